// drivers/vdpa/ifc/ifcvf_vdpa.c after the series' Patch 7 ("vdpa/ifc: use container device
// assignment API"), ported, with the review's fix. The patch removed both the
// `internal->vfio_group_fd = -1` initialization and the only assignment, while
// ifcvf_get_vfio_group_fd() still returns the field until Patch 10: from a zeroed allocation that is
// 0, a "valid" fd. The review: "either keep the -1 initialization here or move patch 10 ahead".
namespace DpdkPort;

/// <summary><c>struct ifcvf_internal</c>, as far as VFIO goes.</summary>
internal sealed class IfcvfInternal
{
    public IfcvfInternal(RtePciDevice pdev) => this.pdev = pdev;

    public RtePciDevice pdev { get; }

    // C: ifcvf_vfio_setup() sets the three fds to -1 before anything can fail; the field
    // initializers do it here, from the allocation on.
    public int vfio_container_fd = -1;

    /// <summary>Kept at -1 (the review's fix): nothing opens a group fd any more, but the vdpa op still returns it.</summary>
    public int vfio_group_fd = -1;

    public int vfio_dev_fd = -1;
}

/// <summary>The ifc vdpa driver's VFIO setup and the vdpa ops that hand its fds out.</summary>
internal sealed class IfcvfVdpa
{
    private readonly IRteVfio rte;
    private readonly Dictionary<int, IfcvfInternal> internal_list = [];

    public IfcvfVdpa(IRteVfio rte) => this.rte = rte;

    private int ifcvf_vfio_setup(IfcvfInternal @internal)
    {
        var dev = @internal.pdev;
        var devname = dev.name;

        @internal.vfio_dev_fd = -1;
        @internal.vfio_group_fd = -1;
        @internal.vfio_container_fd = -1;

        @internal.vfio_container_fd = rte.rte_vfio_container_create();
        if (@internal.vfio_container_fd < 0)
        {
            return -1;
        }

        if (rte.rte_vfio_container_assign_device(@internal.vfio_container_fd, rte.rte_pci_get_sysfs_path(), devname) < 0)
        {
            goto err;
        }

        if (rte.rte_pci_map_device(dev) != 0)
        {
            goto err;
        }

        @internal.vfio_dev_fd = dev.intr_dev_fd;
        return 0;

    err:
        _ = rte.rte_vfio_container_destroy(@internal.vfio_container_fd);
        return -1;
    }

    /// <summary><c>ifcvf_pci_probe</c>: the device's internal state, from a zeroed allocation.</summary>
    public int ifcvf_pci_probe(int vid, RtePciDevice pci_dev)
    {
        var @internal = new IfcvfInternal(pci_dev);
        if (ifcvf_vfio_setup(@internal) < 0)
        {
            return -1;
        }

        internal_list.Add(vid, @internal);
        return 0;
    }

    /// <summary>The <c>get_vfio_group_fd</c> vdpa op: -1, never fd 0.</summary>
    public int ifcvf_get_vfio_group_fd(int vid)
    {
        if (!internal_list.TryGetValue(vid, out var @internal))
        {
            EalLog.Error("Invalid vDPA device id: " + vid);
            return -1;
        }

        return @internal.vfio_group_fd;
    }

    /// <summary>The <c>get_vfio_device_fd</c> vdpa op.</summary>
    public int ifcvf_get_vfio_device_fd(int vid)
    {
        if (!internal_list.TryGetValue(vid, out var @internal))
        {
            EalLog.Error("Invalid vDPA device id: " + vid);
            return -1;
        }

        return @internal.vfio_dev_fd;
    }
}
