using System.Reflection;

namespace VfioSharp.Tool.Tests.Machines;

/// <summary>Where the repository and the build configuration are (stamped into the test assembly by its project).</summary>
internal static class RepositoryPaths
{
    public static string Root => Metadata("RepositoryRoot");

    public static string Configuration => Metadata("Configuration");

    public static string Model(string version) => Path.Combine(Root, "headers", version, "model.json");

    private static string Metadata(string key) =>
        typeof(RepositoryPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"no {key} metadata");
}
