namespace VfioSharp.Modes;

/// <summary>What the kernel offers, found from paths and answers, as on any Linux (6.1 has no iommufd, no cdevs).</summary>
/// <param name="Container">Whether <c>/dev/vfio/vfio</c> exists.</param>
/// <param name="Iommufd">Whether <c>/dev/iommu</c> exists.</param>
/// <param name="DeviceCdevs">Whether <c>/dev/vfio/devices</c> exists.</param>
/// <param name="NoIommuEnabled">Whether the vfio module's <c>enable_unsafe_noiommu_mode</c> is <c>Y</c>.</param>
public sealed record VfioFeatures(bool Container, bool Iommufd, bool DeviceCdevs, bool NoIommuEnabled);
