using System.Globalization;
using System.Reflection;

namespace VfioSharp.Package.Tests.Consumers;

/// <summary>
/// The VfioSharp package packed once per test run into a folder feed, under a version no earlier run
/// used (so the machine's NuGet cache can't hand back a stale copy, and every other package still comes
/// from that cache), and a scratch folder outside the repository where consumer projects live with a
/// nuget.config of their own. Removes the feed, the projects and its version from the cache afterwards.
/// </summary>
public sealed class PackedToolkit : IDisposable
{
    public PackedToolkit()
    {
        RepositoryRoot = Metadata("RepositoryRoot");
        Version = string.Create(CultureInfo.InvariantCulture, $"0.0.1-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}");
        Root = Directory.CreateTempSubdirectory("vfiosharp-package-").FullName;
        Feed = Directory.CreateDirectory(Path.Combine(Root, "feed")).FullName;

        PackStarted = DateTime.UtcNow;
        DotnetCommand.Run(
                RepositoryRoot,
                "pack", Path.Combine(RepositoryRoot, "generator", "build", "package", "VfioSharp.Package.csproj"),
                "--no-build", "--no-restore", "-c", Metadata("Configuration"), "-o", Feed, "-p:Version=" + Version, "-nodeReuse:false")
            .Expect(0, "dotnet pack");
        Package = Path.Combine(Feed, $"VfioSharp.{Version}.nupkg");

        // A stranger's machine: none of the repository's Directory.Build.* or global.json above the projects.
        File.WriteAllText(Path.Combine(Root, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(Root, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(Root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{Feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="local"><package pattern="VfioSharp" /></packageSource>
                <packageSource key="nuget.org"><package pattern="*" /></packageSource>
              </packageSourceMapping>
            </configuration>
            """);
    }

    public string RepositoryRoot { get; }

    public string Version { get; }

    /// <summary>Scratch folder: the feed and every consumer project.</summary>
    public string Root { get; }

    public string Feed { get; }

    public string Package { get; }

    public DateTime PackStarted { get; }

    /// <summary>A new, empty project folder under <see cref="Root"/>.</summary>
    public string NewProject(string name) => Directory.CreateDirectory(Path.Combine(Root, name)).FullName;

    public void Dispose()
    {
        Directory.Delete(Root, recursive: true);
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var extracted = Path.Combine(cache, "vfiosharp", Version.ToLowerInvariant());
        if (Directory.Exists(extracted))
        {
            Directory.Delete(extracted, recursive: true);
        }
    }

    private static string Metadata(string key) =>
        typeof(PackedToolkit).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"no {key} metadata");
}
