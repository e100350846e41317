using System.Globalization;

namespace VfioSharp.KernelSuite.ErrnoParity;

/// <summary>The guest kernel's version, for rows whose answer changed between versions.</summary>
internal static class KernelRelease
{
    /// <summary>"7.3.4+deb13-amd64" → 7.3; an unreadable release reads as 0.0.</summary>
    public static Version Of(GuestEnvironment guest)
    {
        var parts = guest.Kernel.Split('.', '-', '+');
        return parts.Length >= 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var major) && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var minor)
            ? new Version(major, minor)
            : new Version(0, 0);
    }
}
