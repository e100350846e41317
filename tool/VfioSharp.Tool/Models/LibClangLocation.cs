namespace VfioSharp.Tool.Models;

/// <summary>
/// Where <c>vfiosharp scan</c> finds libclang, which the tool package does not carry (207 MiB): <c>--libclang PATH</c>,
/// else <c>VFIOSHARP_LIBCLANG</c>, else the libclang.runtime.linux-x64 package in NuGet's global packages folder
/// (<c>NUGET_PACKAGES</c>, or <c>~/.nuget/packages</c>), where any restore of a project that references it (as a project
/// that scans its own headers does, with <c>ExcludeAssets="all"</c>) leaves it.
/// </summary>
internal static class LibClangLocation
{
    /// <summary>The variable the scanner's own resolver reads (VfioSharp.Scanner's <c>LibClang.PathVariable</c>).</summary>
    public const string Variable = "VFIOSHARP_LIBCLANG";

    /// <summary>The package and version the scanner is built and tested against (Directory.Packages.props).</summary>
    public const string PackageId = "libclang.runtime.linux-x64";

    public const string PackageVersion = "22.1.8";

    /// <summary>Finds libclang.so, or says where it looked and how to get it.</summary>
    /// <param name="option">The <c>--libclang</c> value, or null.</param>
    /// <param name="environment">The process environment.</param>
    /// <param name="path">The library.</param>
    /// <param name="problem">Why none was found: every place looked at, and the commands that fetch it.</param>
    /// <returns>Whether it was found.</returns>
    public static bool TryFind(string? option, ToolEnvironment environment, out string path, out string problem)
    {
        path = string.Empty;
        if (option is not null)
        {
            return Exists(option, "--libclang", out path, out problem);
        }

        if (!string.IsNullOrEmpty(environment.LibClangVariable))
        {
            return Exists(environment.LibClangVariable, Variable, out path, out problem);
        }

        var cache = InNuGetCache(environment);
        if (File.Exists(cache))
        {
            path = cache;
            problem = string.Empty;
            return true;
        }

        problem = $"""
            scan needs libclang, which this tool does not carry; it was not found at {cache} ({PackageId} {PackageVersion} in NuGet's global packages folder), and neither --libclang nor {Variable} names one.
              get it into the NuGet cache: in any project, `dotnet add package {PackageId} --version {PackageVersion}` and `dotnet restore` (a project that scans its own headers references it already, with ExcludeAssets="all")
              or point at a libclang.so: vfiosharp scan --libclang /path/to/libclang.so ... (or {Variable}=/path/to/libclang.so)
            """;
        return false;
    }

    /// <summary>The library's path inside the package as NuGet extracts it (lowercase id and version folders).</summary>
    public static string InNuGetCache(ToolEnvironment environment)
    {
        var root = !string.IsNullOrEmpty(environment.NuGetPackagesVariable)
            ? environment.NuGetPackagesVariable
            : Path.Combine(environment.Home, ".nuget", "packages");
        return Path.Combine(root, PackageId, PackageVersion, "runtimes", "linux-x64", "native", "libclang.so");
    }

    private static bool Exists(string candidate, string source, out string path, out string problem)
    {
        path = Path.GetFullPath(candidate);
        if (File.Exists(path))
        {
            problem = string.Empty;
            return true;
        }

        problem = $"scan: {source} names {candidate}, which does not exist (libclang.so from {PackageId} {PackageVersion}, or another libclang)";
        return false;
    }
}
