namespace VfioSharp.Simulation.Containers;

/// <summary>The IOMMU driver a container uses once VFIO_SET_IOMMU chose it.</summary>
internal enum ContainerDriver
{
    /// <summary>None yet, or the last group left.</summary>
    None,

    /// <summary>vfio_iommu_type1 in v1 mode (VFIO_TYPE1_IOMMU): mappings coalesce, unmaps may start anywhere.</summary>
    Type1,

    /// <summary>vfio_iommu_type1 in v2 mode (VFIO_TYPE1v2_IOMMU): unmaps must not bisect a mapping.</summary>
    Type1v2,

    /// <summary>6.1's type1 nesting (VFIO_TYPE1_NESTING_IOMMU), opened for a moment: attach fails on intel-iommu.</summary>
    Type1Nesting,

    /// <summary>vfio-noiommu (VFIO_NOIOMMU_IOMMU): no translation, CHECK_EXTENSION only.</summary>
    NoIommu,
}
