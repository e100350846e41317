// lib/eal/linux/eal_vfio.h of DPDK's VFIO cdev series (v8), ported: the per-container
// configuration whose union the review's Patch 18 finding is about. Identifiers are DPDK's, except
// that type names are the C tags in C# case (struct container -> Container), because a C# type
// named in lower case only is reserved for the language (CS8981).
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DpdkPort;

/// <summary><c>enum rte_vfio_mode</c> (rte_vfio.h).</summary>
internal enum RteVfioMode
{
    RTE_VFIO_MODE_NONE,
    RTE_VFIO_MODE_GROUP,
    RTE_VFIO_MODE_NOIOMMU,
    RTE_VFIO_MODE_CDEV,
}

/// <summary><c>struct vfio_group</c>: a group open in group mode.</summary>
internal struct VfioGroup
{
    public bool active;
    public int group_num;
    public int fd;
    public int n_devices;
}

/// <summary>
/// <c>struct vfio_device</c>: device tracking, common to group and cdev modes. Its anonymous union
/// holds the back-reference to the group list in group mode and the device number in cdev mode.
/// </summary>
[StructLayout(LayoutKind.Explicit)]
internal struct VfioDevice
{
    [FieldOffset(0)] public bool active;

    /// <summary>Back-reference to the group list (group mode).</summary>
    [FieldOffset(4)] public int group;

    /// <summary>Device number, X in /dev/vfio/devices/vfioX (cdev mode).</summary>
    [FieldOffset(4)] public int dev_num;

    [FieldOffset(8)] public int fd;
}

/// <summary><c>struct vfio_group groups[RTE_MAX_VFIO_GROUPS]</c>.</summary>
[InlineArray(EalVfio.RTE_MAX_VFIO_GROUPS)]
internal struct VfioGroupArray
{
    private VfioGroup _element0;
}

/// <summary><c>struct vfio_device devices[RTE_MAX_VFIO_DEVICES]</c>.</summary>
[InlineArray(EalVfio.RTE_MAX_VFIO_DEVICES)]
internal struct VfioDeviceArray
{
    private VfioDevice _element0;
}

/// <summary><c>struct vfio_group_config</c>: group mode specific configuration.</summary>
internal struct VfioGroupConfig
{
    /// <summary>Byte 0: shares its byte with the low byte of <see cref="VfioCdevConfig.ioas_id"/>.</summary>
    public bool dma_setup_done;
    public bool iommu_type_set;
    public bool mem_event_clb_set;
    public nuint n_groups;
    public VfioGroupArray groups;
}

/// <summary><c>struct vfio_cdev_config</c>: cdev mode specific configuration.</summary>
internal struct VfioCdevConfig
{
    /// <summary>Bytes 0-3: the IOAS every device of the container is attached to.</summary>
    public uint ioas_id;
}

/// <summary>
/// <c>struct container</c>: per-container configuration. The C struct holds
/// <c>union { struct vfio_group_config group_cfg; struct vfio_cdev_config cdev_cfg; }</c>; in C#
/// both arms are members at one offset. The user memory maps (<c>mem_maps</c>) are left out:
/// nothing ported here uses them.
/// </summary>
[StructLayout(LayoutKind.Explicit)]
internal struct Container
{
    [FieldOffset(0)] public bool active;
    [FieldOffset(4)] public int container_fd;

    /// <summary>The group mode arm of the union.</summary>
    [FieldOffset(8)] public VfioGroupConfig group_cfg;

    /// <summary>The cdev mode arm of the union: its first member is at the same offset as <c>dma_setup_done</c>.</summary>
    [FieldOffset(8)] public VfioCdevConfig cdev_cfg;

    [FieldOffset(1048)] public int n_devices;
    [FieldOffset(1052)] public VfioDeviceArray devices;
}
