namespace VfioSharp.Simulation.Core;

/// <summary>Which Linux the simulated kernel behaves as: what exists, and the answers that differ between versions.</summary>
public enum SimulatedKernelProfile
{
    /// <summary>Linux 6.17 with IOMMUFD and VFIO device cdevs (the fragment's kernel): group, no-IOMMU group and cdev modes; no no-IOMMU cdev (6.17 has none).</summary>
    Linux617,

    /// <summary>Linux 7.x built with the fragment: everything of 6.17 plus no-IOMMU device cdevs (<c>/dev/vfio/devices/noiommu-vfioN</c>).</summary>
    Linux7,

    /// <summary>Debian's packaged kernels (6.12, 7.3): VFIO group mode only — no IOMMUFD, no VFIO_NOIOMMU.</summary>
    DebianStock,

    /// <summary>Debian 12's 6.1: group mode only; <c>VFIO_IOMMU_GET_INFO</c> asks for 116 bytes instead of 120.</summary>
    Linux61,
}
