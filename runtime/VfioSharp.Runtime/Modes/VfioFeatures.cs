namespace VfioSharp.Modes;

/// <summary>
/// What the kernel offers, found from paths and the container's answers as on any Linux (6.1 and Debian's kernels
/// have no <c>/dev/iommu</c> and no device cdevs; Debian's have no no-IOMMU driver either). Detection never
/// fails: what could not be asked is reported as absent, and the mode check says what is missing.
/// </summary>
/// <param name="Container">Whether <c>/dev/vfio/vfio</c> exists.</param>
/// <param name="Iommufd">Whether <c>/dev/iommu</c> exists.</param>
/// <param name="DeviceCdevs">Whether <c>/dev/vfio/devices</c> exists.</param>
/// <param name="NoIommuEnabled">Whether the vfio module's <c>enable_unsafe_noiommu_mode</c> is <c>Y</c>.</param>
public sealed record VfioFeatures(bool Container, bool Iommufd, bool DeviceCdevs, bool NoIommuEnabled)
{
    /// <summary>The container's VFIO_GET_API_VERSION answer (0 on every Linux so far), or null when it could not be opened.</summary>
    public int? ApiVersion { get; init; }

    /// <summary>Whether VFIO_CHECK_EXTENSION reports the type1v2 IOMMU (unmap of whole mappings only, no partial unmaps).</summary>
    public bool Type1v2 { get; init; }

    /// <summary>Whether VFIO_CHECK_EXTENSION reports the type1 IOMMU.</summary>
    public bool Type1 { get; init; }

    /// <summary>Whether VFIO_CHECK_EXTENSION reports VFIO_NOIOMMU_IOMMU (the kernel has VFIO_NOIOMMU and its parameter is on).</summary>
    public bool NoIommuExtension { get; init; }

    /// <summary>Whether <c>/sys/module/vfio/parameters/enable_unsafe_noiommu_mode</c> exists at all (kernels built without VFIO_NOIOMMU have none).</summary>
    public bool NoIommuParameterExists { get; init; }
}
