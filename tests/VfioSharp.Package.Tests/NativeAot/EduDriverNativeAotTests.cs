using System.Diagnostics;
using System.Reflection;
using VfioSharp.Package.Tests.Consumers;

namespace VfioSharp.Package.Tests.NativeAot;

/// <summary>
/// samples/EduDriver publishes as one NativeAOT executable with no trim or AOT warning (the runtime and
/// the simulated kernel are IsAotCompatible/IsTrimmable; a warning would also fail the publish under
/// TreatWarningsAsErrors), and the native program passes the edu scenario on the simulated kernel.
/// </summary>
public sealed class EduDriverNativeAotTests : IDisposable
{
    private readonly string output = Directory.CreateTempSubdirectory("vfiosharp-edu-aot-").FullName;

    [Fact]
    public void EduDriver_publishes_with_NativeAOT_without_warnings_and_runs_edu()
    {
        var root = typeof(EduDriverNativeAotTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;
        var publish = DotnetCommand.Run(
                root,
                "publish", Path.Combine(root, "samples", "EduDriver", "EduDriver.csproj"), "-c", "Release", "-r", "linux-x64", "-o", output, "-nodeReuse:false")
            .Expect(0, "NativeAOT publish of samples/EduDriver");
        Assert.DoesNotContain(publish.Output.Split('\n'), line => line.Contains(": warning ", StringComparison.Ordinal));

        var native = Path.Combine(output, "EduDriver");
        Assert.False(File.Exists(Path.Combine(output, "EduDriver.dll")), "the publish holds IL, not a native program");
        using var process = Process.Start(new ProcessStartInfo(native) { RedirectStandardOutput = true, UseShellExecute = false })!;
        var printed = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, printed);
        Assert.Contains("edu driver: every check passed", printed, StringComparison.Ordinal);
        Assert.Contains("NoIommuCdev mode", printed, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(output, recursive: true);
}
