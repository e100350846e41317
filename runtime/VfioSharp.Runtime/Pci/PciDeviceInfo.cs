using System.Globalization;
using VfioSharp.Kernel;

namespace VfioSharp.Pci;

/// <summary>What sysfs says of a PCI device: its driver, IOMMU group and VFIO cdev.</summary>
/// <param name="Address">The device.</param>
/// <param name="Driver">The bound driver's name, or null.</param>
/// <param name="IommuGroup">The IOMMU group number, or null without one.</param>
/// <param name="CdevName">The VFIO device cdev (<c>vfioN</c>, <c>noiommu-vfioN</c>), or null.</param>
public sealed record PciDeviceInfo(PciAddress Address, string? Driver, int? IommuGroup, string? CdevName)
{
    /// <summary>
    /// Reads <c>/sys/bus/pci/devices/&lt;address&gt;</c>: the <c>driver</c> and <c>iommu_group</c> links and the
    /// <c>vfio-dev</c> folder (what <see cref="Vfio.GetDeviceInfo"/> returns, without a <see cref="Vfio"/>: a device can
    /// be looked at before any VFIO mode is usable).
    /// </summary>
    /// <param name="kernel">The kernel.</param>
    /// <param name="address">The device.</param>
    /// <returns>What sysfs says.</returns>
    /// <exception cref="VfioException">No such device.</exception>
    public static PciDeviceInfo Read(IKernel kernel, PciAddress address)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        var sysfs = "/sys/bus/pci/devices/" + address;
        if (kernel.ReadText(sysfs + "/vendor", out _) is < 0 and var missing)
        {
            throw VfioException.From(missing, $"finding PCI device {address} in sysfs ({sysfs})");
        }

        string? driver = kernel.ReadLink(sysfs + "/driver", out var driverLink) == 0 ? driverLink[(driverLink.LastIndexOf('/') + 1)..] : null;
        int? group = kernel.ReadLink(sysfs + "/iommu_group", out var groupLink) == 0
            && int.TryParse(groupLink.AsSpan(groupLink.LastIndexOf('/') + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : null;
        string? cdev = kernel.ListDirectory(sysfs + "/vfio-dev", out var entries) == 0 && entries.Count > 0 ? entries[0] : null;
        return new PciDeviceInfo(address, driver, group, cdev);
    }
}
