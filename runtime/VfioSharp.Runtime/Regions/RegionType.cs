namespace VfioSharp.Regions;

/// <summary>
/// A device-specific region's type and subtype (VFIO_REGION_INFO_CAP_TYPE): what a region past the nine
/// standard PCI ones is (e.g. type <c>VFIO_REGION_TYPE_PCI_VENDOR_TYPE | vendor</c>, IGD OpRegion, migration).
/// </summary>
/// <param name="Type">The type (<c>VFIO_REGION_TYPE_*</c>, or the PCI vendor type with the vendor id in the low 16 bits).</param>
/// <param name="Subtype">The subtype, meaningful within <paramref name="Type"/>.</param>
public readonly record struct RegionType(uint Type, uint Subtype);
