using System.Diagnostics;
using System.Globalization;
using System.Text;
using VfioSharp.Package.Tests.Consumers;
using VfioSharp.Tool.Tests.Machines;

namespace VfioSharp.Tool.Tests.Package;

/// <summary>
/// The VfioSharp.Tool package packed once per test run into a folder feed under a version no earlier run used, and
/// installed from it with <c>dotnet tool install --tool-path</c>, as a user installs it. Removes the feed, the tool path
/// and its version from the NuGet cache afterwards.
/// </summary>
public sealed class InstalledTool : IDisposable
{
    public InstalledTool()
    {
        Version = string.Create(CultureInfo.InvariantCulture, $"0.0.1-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}");
        Root = Directory.CreateTempSubdirectory("vfiosharp-tool-").FullName;
        Feed = Directory.CreateDirectory(Path.Combine(Root, "feed")).FullName;
        ToolPath = Path.Combine(Root, "tools");
        DotnetCommand.Run(
                RepositoryPaths.Root,
                "pack", Path.Combine(RepositoryPaths.Root, "tool", "VfioSharp.Tool", "VfioSharp.Tool.csproj"),
                "--no-build", "--no-restore", "-c", RepositoryPaths.Configuration, "-o", Feed, "-p:Version=" + Version, "-nodeReuse:false")
            .Expect(0, "dotnet pack");
        Package = Path.Combine(Feed, $"VfioSharp.Tool.{Version}.nupkg");

        // Outside the repository, with only the feed as a source: the tool package has no dependencies.
        File.WriteAllText(Path.Combine(Root, "nuget.config"), """
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
              </packageSources>
            </configuration>
            """);
        Install = DotnetCommand.Run(Root, "tool", "install", "VfioSharp.Tool", "--version", Version, "--tool-path", ToolPath, "--add-source", Feed)
            .Expect(0, "dotnet tool install");
    }

    public string Version { get; }

    public string Root { get; }

    public string Feed { get; }

    public string Package { get; }

    public string ToolPath { get; }

    internal DotnetCommand.Result Install { get; }

    /// <summary>Runs the installed <c>vfiosharp</c> shim as a shell would.</summary>
    internal DotnetCommand.Result Run(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(ToolPath, "vfiosharp"))
        {
            WorkingDirectory = RepositoryPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The shim finds the runtime through DOTNET_ROOT when dotnet is not in a default location.
        start.Environment["DOTNET_ROOT"] = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("vfiosharp did not start");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.WaitForExit();
        lock (output)
        {
            return new DotnetCommand.Result(process.ExitCode, output.ToString());
        }
    }

    public void Dispose()
    {
        Directory.Delete(Root, recursive: true);
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var extracted = Path.Combine(cache, "vfiosharp.tool", Version.ToLowerInvariant());
        if (Directory.Exists(extracted))
        {
            Directory.Delete(extracted, recursive: true);
        }
    }
}
