using VfioSharp.Tool.Models;
using VfioSharp.Tool.Tests.Machines;

namespace VfioSharp.Tool.Tests.Models;

/// <summary>scan, diff and emit through the tool's command line, in this process.</summary>
public sealed class ModelCommandsTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("vfiosharp-models-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public void Scan_finds_libclang_in_the_nuget_cache_and_writes_the_model_the_repository_ships()
    {
        // The machine's NuGet cache: the repository's restore put libclang.runtime.linux-x64 there.
        var environment = ToolEnvironment.FromProcess() with { LibClangVariable = null };
        Assert.True(File.Exists(LibClangLocation.InNuGetCache(environment)), "the restore of this repository puts libclang in the NuGet cache");
        var output = Path.Combine(_scratch, "model.json");

        var run = ToolRun.Of(new Simulation.Core.SimulatedKernel(), environment,
            "scan", "--root", Path.Combine(RepositoryPaths.Root, "headers", "linux-6.17"), "--header", "linux/vfio.h", "--header", "linux/iommufd.h", "--out", output, "--strict");

        Assert.True(run.ExitCode == 0, run.Error);
        var diff = ToolRun.Of(new Simulation.Core.SimulatedKernel(), "diff", RepositoryPaths.Model("linux-6.17"), output);
        Assert.True(diff.ExitCode == 0, diff.Output + diff.Error);
    }

    [Fact]
    public void Diff_of_the_shipped_models_needs_no_libclang()
    {
        var run = ToolRun.Of(new Simulation.Core.SimulatedKernel(), "diff", RepositoryPaths.Model("linux-6.12"), RepositoryPaths.Model("linux-6.17"));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("~ struct vfio_device_bind_iommufd: size 16 -> 24, alignment 4 -> 8 [ABI]", run.Output, StringComparison.Ordinal);
        Assert.Contains("63 differences (57 added, 1 removed, 5 changed), 7 ABI-relevant", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Emit_writes_the_bindings_of_a_model()
    {
        var output = Path.Combine(_scratch, "Bindings.cs");

        var run = ToolRun.Of(new Simulation.Core.SimulatedKernel(), "emit", RepositoryPaths.Model("linux-6.12"), "--namespace", "My.Uapi", "--out", output);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("namespace My.Uapi", File.ReadAllText(output), StringComparison.Ordinal);
    }

    [Fact]
    public void Help_lists_every_command_and_an_unknown_one_is_a_usage_error()
    {
        var help = ToolRun.Of(new Simulation.Core.SimulatedKernel(), "--help");
        var unknown = ToolRun.Of(new Simulation.Core.SimulatedKernel(), "frobnicate");

        Assert.Equal(0, help.ExitCode);
        Assert.All(["devices", "bind <DDDD:BB:DD.F>", "unbind <DDDD:BB:DD.F>", "scan [--libclang <libclang.so>]", "diff <old.json>", "emit <model.json>"],
            command => Assert.Contains(command, help.Output, StringComparison.Ordinal));
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("unknown command 'frobnicate'", unknown.Error, StringComparison.Ordinal);
    }
}
