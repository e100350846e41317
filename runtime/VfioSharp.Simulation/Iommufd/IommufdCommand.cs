using VfioSharp.Uapi;

namespace VfioSharp.Simulation.Iommufd;

/// <summary>
/// One row of iommufd's command table (<c>iommufd_ioctl_ops</c> in <c>drivers/iommu/iommufd/main.c</c>, v6.17): the
/// request number, the size below which the command is EINVAL (<c>offsetofend</c> of its last mandatory field),
/// and the kernel's struct size, beyond which a caller's bytes must be zero (E2BIG).
/// </summary>
/// <param name="Request">The ioctl number; a number whose command byte is in the table but whose other bits differ is ENOTTY.</param>
/// <param name="MinimumSize">The smallest <c>size</c> accepted.</param>
/// <param name="Size">sizeof the command's struct in 6.17.</param>
internal readonly record struct IommufdCommand(ulong Request, uint MinimumSize, uint Size)
{
    /// <summary>IOMMUFD_CMD_BASE: command bytes below it, or past the table, go to the VFIO compat handler.</summary>
    public const uint CommandBase = 0x80;

    /// <summary>The 6.17 table, indexed by command byte − 0x80 (every slot from DESTROY to HW_QUEUE_ALLOC is filled).</summary>
    public static readonly IommufdCommand[] Table = Build();

    private static unsafe IommufdCommand[] Build() =>
    [
        new(iommufd.IOMMU_DESTROY, 8, (uint)sizeof(iommu_destroy)),
        new(iommufd.IOMMU_IOAS_ALLOC, 12, (uint)sizeof(iommu_ioas_alloc)),
        new(iommufd.IOMMU_IOAS_ALLOW_IOVAS, 24, (uint)sizeof(iommu_ioas_allow_iovas)),
        new(iommufd.IOMMU_IOAS_COPY, 40, (uint)sizeof(iommu_ioas_copy)),
        new(iommufd.IOMMU_IOAS_IOVA_RANGES, 32, (uint)sizeof(iommu_ioas_iova_ranges)),
        new(iommufd.IOMMU_IOAS_MAP, 40, (uint)sizeof(iommu_ioas_map)),
        new(iommufd.IOMMU_IOAS_UNMAP, 24, (uint)sizeof(iommu_ioas_unmap)),
        new(iommufd.IOMMU_OPTION, 24, (uint)sizeof(iommu_option)),
        new(iommufd.IOMMU_VFIO_IOAS, 12, (uint)sizeof(iommu_vfio_ioas)),
        new(iommufd.IOMMU_HWPT_ALLOC, 24, (uint)sizeof(iommu_hwpt_alloc)),
        new(iommufd.IOMMU_GET_HW_INFO, 32, (uint)sizeof(iommu_hw_info)),
        new(iommufd.IOMMU_HWPT_SET_DIRTY_TRACKING, 16, (uint)sizeof(iommu_hwpt_set_dirty_tracking)),
        new(iommufd.IOMMU_HWPT_GET_DIRTY_BITMAP, 48, (uint)sizeof(iommu_hwpt_get_dirty_bitmap)),
        new(iommufd.IOMMU_HWPT_INVALIDATE, 32, (uint)sizeof(iommu_hwpt_invalidate)),
        new(iommufd.IOMMU_FAULT_QUEUE_ALLOC, 16, (uint)sizeof(iommu_fault_alloc)),
        new(iommufd.IOMMU_IOAS_MAP_FILE, 40, (uint)sizeof(iommu_ioas_map_file)),
        new(iommufd.IOMMU_VIOMMU_ALLOC, 24, (uint)sizeof(iommu_viommu_alloc)),
        new(iommufd.IOMMU_VDEVICE_ALLOC, 24, (uint)sizeof(iommu_vdevice_alloc)),
        new(iommufd.IOMMU_IOAS_CHANGE_PROCESS, 8, (uint)sizeof(iommu_ioas_change_process)),
        new(iommufd.IOMMU_VEVENTQ_ALLOC, 28, (uint)sizeof(iommu_veventq_alloc)),
        new(iommufd.IOMMU_HW_QUEUE_ALLOC, 40, (uint)sizeof(iommu_hw_queue_alloc)),
    ];
}
