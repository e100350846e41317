using VfioSharp.Modes;
using VfioSharp.Pci;

namespace VfioSharp.KernelSuite;

/// <summary>What the guest's /init tells a payload (tests/kernel/README.md, "Payloads").</summary>
/// <param name="ModeName">
/// VFIOSHARP_MODE as given: group, cdev, noiommu-group, noiommu-cdev, or platform (the boot that only replays the
/// misuse-table rows needing another machine; its edu is behind the IOMMU, and it opens both of its nodes).
/// </param>
/// <param name="Mode">The runtime's name of that mode (group for the platform boot).</param>
/// <param name="Device">VFIOSHARP_DEVICE: edu's PCI address.</param>
/// <param name="Kernel">VFIOSHARP_KERNEL: the guest's release.</param>
internal sealed record GuestEnvironment(string ModeName, VfioMode Mode, PciAddress Device, string Kernel)
{
    /// <summary>Whether the mode translates IOVAs through an IOMMU.</summary>
    public bool HasIommu => Mode is VfioMode.Group or VfioMode.Cdev;

    /// <summary>Reads the environment; null with a reason when it is incomplete.</summary>
    public static GuestEnvironment? Read(out string problem)
    {
        var modeName = Environment.GetEnvironmentVariable("VFIOSHARP_MODE") ?? "";
        VfioMode? mode = modeName switch
        {
            "group" => VfioMode.Group,
            "cdev" => VfioMode.Cdev,
            "noiommu-group" => VfioMode.NoIommuGroup,
            "noiommu-cdev" => VfioMode.NoIommuCdev,
            "platform" => VfioMode.Group,
            _ => null,
        };
        if (mode is null)
        {
            problem = $"VFIOSHARP_MODE is '{modeName}', not group, cdev, noiommu-group, noiommu-cdev or platform";
            return null;
        }

        if (!PciAddress.TryParse(Environment.GetEnvironmentVariable("VFIOSHARP_DEVICE"), out var device))
        {
            problem = "VFIOSHARP_DEVICE is not a PCI address";
            return null;
        }

        problem = "";
        return new GuestEnvironment(modeName, mode.Value, device, Environment.GetEnvironmentVariable("VFIOSHARP_KERNEL") ?? "unknown");
    }
}
