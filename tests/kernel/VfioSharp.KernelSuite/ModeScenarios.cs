using VfioSharp.Kernel;
using VfioSharp.Modes;

namespace VfioSharp.KernelSuite;

/// <summary>Mode detection: what the runtime finds in this guest, and that it refuses no-IOMMU unless opted in.</summary>
internal static class ModeScenarios
{
    /// <summary>Naming the mode opens it; the features the runtime detected allow it.</summary>
    public static Outcome Named(GuestEnvironment guest)
    {
        using var vfio = Vfio.Open(LinuxKernel.Instance, new VfioOptions { Mode = guest.Mode, AllowNoIommu = !guest.HasIommu });
        var f = vfio.Features;
        var detail = $"mode {vfio.Mode}; container {f.Container}, iommufd {f.Iommufd}, cdevs {f.DeviceCdevs}, type1v2 {f.Type1v2}, noiommu {f.NoIommuEnabled}";
        var featuresFit = guest.Mode switch
        {
            VfioMode.Group => f.Container && f.Type1v2,
            VfioMode.Cdev => f.Iommufd && f.DeviceCdevs,
            VfioMode.NoIommuGroup => f.Container && f.NoIommuEnabled,
            _ => f.DeviceCdevs && f.NoIommuEnabled,
        };
        return Outcome.Check(vfio.Mode == guest.Mode && featuresFit, detail);
    }

    /// <summary>
    /// Without a named mode the runtime follows DPDK's rule: cdev when /dev/iommu and device cdevs exist, else the
    /// group; in the no-IOMMU boots (opted in) the no-IOMMU flavour of the same.
    /// </summary>
    public static Outcome Chosen(GuestEnvironment guest)
    {
        var cdevs = File.Exists("/dev/iommu") && Directory.Exists("/dev/vfio/devices") && Directory.EnumerateFileSystemEntries("/dev/vfio/devices").Any();
        var expected = (guest.HasIommu, cdevs) switch
        {
            (true, true) => VfioMode.Cdev,
            (true, false) => VfioMode.Group,
            (false, true) => VfioMode.NoIommuCdev,
            (false, false) => VfioMode.NoIommuGroup,
        };
        using var vfio = Vfio.Open(LinuxKernel.Instance, new VfioOptions { AllowNoIommu = !guest.HasIommu });
        return Outcome.Check(vfio.Mode == expected, $"chose {vfio.Mode}, expected {expected} (cdevs {(cdevs ? "present" : "absent")})");
    }

    /// <summary>No-IOMMU boots: without AllowNoIommu neither the named mode nor the runtime's own choice gives a device.</summary>
    public static Outcome RefusedWithoutOptIn(GuestEnvironment guest)
    {
        var named = Refusal(new VfioOptions { Mode = guest.Mode }, guest);
        var chosen = Refusal(new VfioOptions(), guest);
        return Outcome.Check(named is not null && chosen is not null, $"named mode: {named ?? "a device was opened"}; chosen mode: {chosen ?? "a device was opened"}");
    }

    private static string? Refusal(VfioOptions options, GuestEnvironment guest)
    {
        try
        {
            using var vfio = Vfio.Open(LinuxKernel.Instance, options);
            using var device = vfio.OpenDevice(guest.Device);
            return null;
        }
        catch (VfioException e)
        {
            return $"refused ({e.Step})";
        }
    }
}
