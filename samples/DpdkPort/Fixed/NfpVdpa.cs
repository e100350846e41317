// drivers/vdpa/nfp/nfp_vdpa.c after the series' Patch 8 ("vdpa/nfp: use container device
// assignment API"), ported, with the review's fix. The patch has Patch 7's staging issue (the
// vfio_group_fd the vdpa op returns is never set), plus: nfp_vdpa_vfio_teardown() still calls
// rte_vfio_container_group_unbind(fd, device->iommu_group) with device->iommu_group "now never
// assigned (always 0 from calloc), so every teardown between patches 8 and 10 issues an unbind for
// group 0 that fails silently". Fixed here: the fds start at -1 and the group number is assigned.
using VfioSharp;

namespace DpdkPort;

/// <summary><c>struct nfp_vdpa_dev</c>, as far as VFIO goes.</summary>
internal sealed class NfpVdpaDev
{
    public NfpVdpaDev(RtePciDevice pci_dev) => this.pci_dev = pci_dev;

    public RtePciDevice pci_dev { get; }

    public int vfio_container_fd = -1;

    public int vfio_group_fd = -1;

    public int vfio_dev_fd = -1;

    /// <summary>
    /// Not an fd, but 0 is as valid a group number as it is an fd, and as wrong by default: marked so
    /// that VFIO003 checks it like one.
    /// </summary>
    [FileDescriptor]
    public int iommu_group = -1;
}

/// <summary>The nfp vdpa driver's VFIO setup and teardown.</summary>
internal sealed class NfpVdpa
{
    private readonly IRteVfio rte;
    private readonly Dictionary<int, NfpVdpaDev> dev_list = [];

    public NfpVdpa(IRteVfio rte) => this.rte = rte;

    private int nfp_vdpa_vfio_setup(NfpVdpaDev device)
    {
        var pci_dev = device.pci_dev;
        var dev_name = pci_dev.name;

        // The fix: the group number the teardown unbinds is the device's, not calloc's 0.
        var ret = rte.rte_vfio_get_group_num(rte.rte_pci_get_sysfs_path(), dev_name, out device.iommu_group);
        if (ret <= 0)
        {
            return -1;
        }

        device.vfio_container_fd = rte.rte_vfio_container_create();
        if (device.vfio_container_fd < 0)
        {
            return -1;
        }

        ret = rte.rte_vfio_container_assign_device(device.vfio_container_fd, rte.rte_pci_get_sysfs_path(), dev_name);
        if (ret < 0)
        {
            goto container_destroy;
        }

        ret = rte.rte_pci_map_device(pci_dev);
        if (ret != 0)
        {
            goto container_destroy;
        }

        device.vfio_dev_fd = pci_dev.intr_dev_fd;
        return 0;

    container_destroy:
        _ = rte.rte_vfio_container_destroy(device.vfio_container_fd);
        return -1;
    }

    private void nfp_vdpa_vfio_teardown(NfpVdpaDev device)
    {
        rte.rte_pci_unmap_device(device.pci_dev);
        _ = rte.rte_vfio_container_group_unbind(device.vfio_container_fd, device.iommu_group);
        _ = rte.rte_vfio_container_destroy(device.vfio_container_fd);
    }

    /// <summary><c>nfp_vdpa_pci_probe</c>: the device's state, from a zeroed allocation.</summary>
    public int nfp_vdpa_pci_probe(int vid, RtePciDevice pci_dev)
    {
        var device = new NfpVdpaDev(pci_dev);
        if (nfp_vdpa_vfio_setup(device) != 0)
        {
            return -1;
        }

        dev_list.Add(vid, device);
        return 0;
    }

    /// <summary><c>nfp_vdpa_pci_remove</c>.</summary>
    public int nfp_vdpa_pci_remove(int vid)
    {
        if (!dev_list.Remove(vid, out var device))
        {
            EalLog.Error("Invalid vDPA device id: " + vid);
            return -1;
        }

        nfp_vdpa_vfio_teardown(device);
        return 0;
    }

    /// <summary>The <c>get_vfio_group_fd</c> vdpa op: -1, never fd 0.</summary>
    public int nfp_vdpa_get_vfio_group_fd(int vid)
    {
        if (!dev_list.TryGetValue(vid, out var device))
        {
            EalLog.Error("Invalid vDPA device id: " + vid);
            return -1;
        }

        return device.vfio_group_fd;
    }
}
