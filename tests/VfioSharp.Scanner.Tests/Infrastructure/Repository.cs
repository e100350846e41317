using System.Reflection;

namespace VfioSharp.Scanner.Tests.Infrastructure;

/// <summary>Paths of the repository the tests run from.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Headers(string version) => Path.Combine(Root, "headers", version);

    /// <summary>The scanner as it ships: the CLI built beside the tests (same configuration).</summary>
    public static string Scanner
    {
        get
        {
            var configuration = typeof(Repository).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
            var path = Path.Combine(Root, "generator", "VfioSharp.Cli", "bin", configuration, "net10.0", "linux-x64", "vfiosharp");
            return File.Exists(path) ? path : throw new FileNotFoundException($"the scanner CLI was not built at {path}");
        }
    }

    public static string Corpus(string name) => Path.Combine(AppContext.BaseDirectory, "Corpus", name);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Toolkit.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Toolkit.sln not found above " + AppContext.BaseDirectory);
    }
}
