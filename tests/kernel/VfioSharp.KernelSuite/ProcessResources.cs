namespace VfioSharp.KernelSuite;

/// <summary>
/// What this process holds that VFIO could leak: its open fds (with their targets: /dev/vfio/..., /dev/iommu,
/// anon_inode:[eventfd], anon_inode:[vfio-device]) and its memory mappings of VFIO files (BARs).
/// </summary>
internal static class ProcessResources
{
    /// <summary>Every open fd as "number → target", sorted; the enumeration's own directory fd left out.</summary>
    public static IReadOnlyList<string> Descriptors()
    {
        var entries = new List<string>();
        foreach (var path in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            var target = new FileInfo(path).LinkTarget;
            if (target is null || target.StartsWith("/proc/", StringComparison.Ordinal))
            {
                continue;
            }

            entries.Add($"{Path.GetFileName(path)}→{target}");
        }

        entries.Sort(StringComparer.Ordinal);
        return entries;
    }

    /// <summary>The lines of /proc/self/maps that map a VFIO or iommufd file.</summary>
    public static IReadOnlyList<string> VfioMappings() =>
        File.ReadAllLines("/proc/self/maps").Where(l => l.Contains("vfio", StringComparison.Ordinal) || l.Contains("iommu", StringComparison.Ordinal)).ToList();
}
