using System.Reflection;

namespace VfioSharp.Model.Tests.Infrastructure;

/// <summary>Paths of the repository the tests run from.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Headers(string version) => Path.Combine(Root, "headers", version);

    /// <summary>The <c>vfiosharp</c> CLI built beside the tests (same configuration).</summary>
    public static string Cli
    {
        get
        {
            var configuration = typeof(Repository).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
            var path = Path.Combine(Root, "generator", "VfioSharp.Cli", "bin", configuration, "net10.0", "linux-x64", "vfiosharp");
            return File.Exists(path) ? path : throw new FileNotFoundException($"the vfiosharp CLI was not built at {path}");
        }
    }

    /// <summary>A fresh directory under this test run's temporary folder.</summary>
    public static string NewTemporaryDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "vfiosharp-model-tests-" + Environment.ProcessId, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

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
