using VfioSharp.Modes;
using VfioSharp.Pci;

namespace VfioSharp.Tool.Devices;

/// <summary>One PCI device as <c>vfiosharp devices</c> shows it.</summary>
/// <param name="Info">Driver, IOMMU group and cdev, as the runtime reads them from sysfs.</param>
/// <param name="Vendor">The vendor ID, four hex digits.</param>
/// <param name="Device">The device ID, four hex digits.</param>
/// <param name="ClassCode">The class code (class, subclass, programming interface), six hex digits.</param>
/// <param name="DeviceReasons">
/// For each mode this kernel can run, why this device can't use it (null: it can). Modes the kernel itself can't run
/// are in <see cref="DeviceSurvey.KernelReasons"/>, not here.
/// </param>
internal sealed record DeviceStatus(PciDeviceInfo Info, string Vendor, string Device, string ClassCode, IReadOnlyDictionary<VfioMode, string?> DeviceReasons)
{
    public IEnumerable<VfioMode> UsableModes => VfioModeNames.All.Where(mode => DeviceReasons.TryGetValue(mode, out var reason) && reason is null);
}
