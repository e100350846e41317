namespace VfioSharp.Modes;

/// <summary>How the runtime reaches devices and their DMA.</summary>
public enum VfioMode
{
    /// <summary>VFIO is not usable on this machine.</summary>
    None,

    /// <summary>Container (<c>/dev/vfio/vfio</c>) and IOMMU groups (<c>/dev/vfio/N</c>), type1 IOMMU.</summary>
    Group,

    /// <summary>No-IOMMU groups (<c>/dev/vfio/noiommu-N</c>) with <c>VFIO_NOIOMMU_IOMMU</c>: DMA uses physical addresses. Unsafe: opt in.</summary>
    NoIommuGroup,

    /// <summary>Device cdevs (<c>/dev/vfio/devices/vfioN</c>) bound to iommufd (<c>/dev/iommu</c>), IOAS-based DMA.</summary>
    Cdev,

    /// <summary>No-IOMMU device cdevs (<c>/dev/vfio/devices/noiommu-vfioN</c>, Linux 7): physical addresses. Unsafe: opt in.</summary>
    NoIommuCdev,
}
