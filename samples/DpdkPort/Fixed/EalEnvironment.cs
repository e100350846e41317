// What the ported code stands on in DPDK but is not about: the process model, the multi-process
// channel, EAL's public VFIO and PCI calls that the vdpa drivers use, and logging. Each is the
// smallest interface the port needs.
namespace DpdkPort;

/// <summary><c>enum rte_proc_type_t</c>: a DPDK application is one primary process and any number of secondaries.</summary>
internal enum RteProcType
{
    RTE_PROC_PRIMARY,
    RTE_PROC_SECONDARY,
}

/// <summary>
/// The requests a secondary process sends the primary over <c>rte_mp_request_sync</c>
/// (eal_vfio_mp_sync.c answers them in the primary).
/// </summary>
internal interface IVfioMultiProcessChannel
{
    /// <summary>The VFIO mode the primary selected; 0 or -1.</summary>
    int request_mode(out RteVfioMode mode);

    /// <summary>The primary's IOAS id (<c>SOCKET_REQ_IOAS_ID</c>); 0 or -1.</summary>
    int request_ioas_id(out uint ioas_id);
}

/// <summary><c>struct rte_pci_device</c>, as far as the vdpa drivers look at it.</summary>
internal sealed class RtePciDevice
{
    public RtePciDevice(string name, int intr_dev_fd)
    {
        this.name = name;
        this.intr_dev_fd = intr_dev_fd;
    }

    /// <summary>The PCI address, <c>rte_pci_device_name(&amp;dev->addr, ...)</c>.</summary>
    public string name { get; }

    /// <summary>The VFIO device fd, <c>rte_intr_dev_fd_get(dev->intr_handle)</c>, once the device is mapped.</summary>
    public int intr_dev_fd { get; }
}

/// <summary>The EAL calls the vdpa drivers make (rte_vfio.h, rte_bus_pci.h).</summary>
internal interface IRteVfio
{
    /// <summary>The sysfs directory of PCI devices, <c>rte_pci_get_sysfs_path()</c>.</summary>
    string rte_pci_get_sysfs_path();

    /// <summary>&gt;0 with the device's IOMMU group number, 0 when it has none, &lt;0 on failure.</summary>
    int rte_vfio_get_group_num(string sysfs_base, string dev_addr, out int iommu_group_num);

    /// <summary>A new container's fd, or &lt;0.</summary>
    int rte_vfio_container_create();

    int rte_vfio_container_destroy(int container_fd);

    /// <summary>The series' Patch 4 API: assigns a device to a container; &lt;0 on failure.</summary>
    int rte_vfio_container_assign_device(int container_fd, string sysfs_base, string dev_addr);

    /// <summary>The group API the series removes in Patch 11; the nfp teardown still calls it after Patch 8.</summary>
    int rte_vfio_container_group_unbind(int container_fd, int iommu_group_num);

    int rte_pci_map_device(RtePciDevice dev);

    void rte_pci_unmap_device(RtePciDevice dev);
}

/// <summary><c>EAL_LOG</c> and the drivers' <c>DRV_LOG</c>.</summary>
internal static class EalLog
{
    public static void Error(string message) => Console.Error.WriteLine("EAL: " + message);

    public static void Debug(string message) => Console.Out.WriteLine("EAL: " + message);
}
