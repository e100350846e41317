namespace VfioSharp.Pci;

/// <summary>What sysfs says of a PCI device: its driver, IOMMU group and VFIO cdev.</summary>
/// <param name="Address">The device.</param>
/// <param name="Driver">The bound driver's name, or null.</param>
/// <param name="IommuGroup">The IOMMU group number, or null without one.</param>
/// <param name="CdevName">The VFIO device cdev (<c>vfioN</c>, <c>noiommu-vfioN</c>), or null.</param>
public sealed record PciDeviceInfo(PciAddress Address, string? Driver, int? IommuGroup, string? CdevName);
