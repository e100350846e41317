using VfioSharp.Kernel;

namespace VfioSharp.KernelSuite.ErrnoParity;

/// <summary>The device nodes of this boot, from what /init exported (tests/kernel/README.md, "Payloads").</summary>
internal static class GuestNodes
{
    /// <summary>/dev/vfio/N, or /dev/vfio/noiommu-N in the no-IOMMU boots.</summary>
    public static string GroupPath(GuestEnvironment guest)
        => $"/dev/vfio/{(guest.HasIommu ? "" : "noiommu-")}{Environment.GetEnvironmentVariable("VFIOSHARP_IOMMU_GROUP")}";

    /// <summary>edu's cdev (/dev/vfio/devices/vfioN or noiommu-vfioN), or null on kernels without cdevs.</summary>
    public static string? CdevPath()
        => Environment.GetEnvironmentVariable("VFIOSHARP_CDEV") is { } path && File.Exists(path) ? path : null;

    /// <summary>Whether the kernel has iommufd (/dev/iommu).</summary>
    public static bool HasIommufd => File.Exists("/dev/iommu");

    public static int Opened(int fd, string path) => fd >= 0 ? fd : throw new InvalidOperationException($"open {path}: {Errno.FromResult(fd)}");
}
