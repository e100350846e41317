using System.Text.RegularExpressions;
using VfioSharp.Tool.Models;
using VfioSharp.Tool.Tests.Machines;

namespace VfioSharp.Tool.Tests.Models;

/// <summary>How <c>vfiosharp scan</c> finds libclang, which the tool package does not carry.</summary>
public sealed class LibClangLocationTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("vfiosharp-libclang-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public void The_option_comes_first_then_the_variable_then_the_nuget_cache()
    {
        var option = Touch("option/libclang.so");
        var variable = Touch("variable/libclang.so");
        var cache = Touch("nuget/libclang.runtime.linux-x64/22.1.8/runtimes/linux-x64/native/libclang.so");
        var everything = new ToolEnvironment(variable, Path.Combine(_scratch, "nuget"), "/nonexistent");

        Assert.True(LibClangLocation.TryFind(option, everything, out var fromOption, out _));
        Assert.Equal(option, fromOption);
        Assert.True(LibClangLocation.TryFind(null, everything, out var fromVariable, out _));
        Assert.Equal(variable, fromVariable);
        Assert.True(LibClangLocation.TryFind(null, everything with { LibClangVariable = null }, out var fromCache, out _));
        Assert.Equal(cache, fromCache);
    }

    [Fact]
    public void Without_nuget_packages_the_cache_is_under_home()
    {
        var cache = Touch("home/.nuget/packages/libclang.runtime.linux-x64/22.1.8/runtimes/linux-x64/native/libclang.so");

        Assert.True(LibClangLocation.TryFind(null, new ToolEnvironment(null, null, Path.Combine(_scratch, "home")), out var found, out _));
        Assert.Equal(cache, found);
    }

    [Fact]
    public void A_named_library_that_does_not_exist_is_an_error_naming_it_not_a_fallback()
    {
        Touch("nuget/libclang.runtime.linux-x64/22.1.8/runtimes/linux-x64/native/libclang.so");
        var environment = new ToolEnvironment("/nowhere/libclang.so", Path.Combine(_scratch, "nuget"), "/nonexistent");

        Assert.False(LibClangLocation.TryFind("/elsewhere/libclang.so", environment, out _, out var fromOption));
        Assert.Contains("--libclang names /elsewhere/libclang.so, which does not exist", fromOption, StringComparison.Ordinal);
        Assert.False(LibClangLocation.TryFind(null, environment, out _, out var fromVariable));
        Assert.Contains("VFIOSHARP_LIBCLANG names /nowhere/libclang.so, which does not exist", fromVariable, StringComparison.Ordinal);
    }

    [Fact]
    public void Scan_without_libclang_anywhere_says_where_it_looked_and_how_to_get_it()
    {
        var run = ToolRun.Of(new Simulation.Core.SimulatedKernel(), new ToolEnvironment(null, Path.Combine(_scratch, "empty"), "/nonexistent"),
            "scan", "--root", "headers/linux-6.17", "--header", "linux/vfio.h", "--out", Path.Combine(_scratch, "model.json"));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"it was not found at {Path.Combine(_scratch, "empty")}/libclang.runtime.linux-x64/22.1.8/runtimes/linux-x64/native/libclang.so", run.Error, StringComparison.Ordinal);
        Assert.Contains("dotnet add package libclang.runtime.linux-x64 --version 22.1.8", run.Error, StringComparison.Ordinal);
        Assert.Contains("--libclang /path/to/libclang.so", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_scratch, "model.json")));
    }

    [Fact]
    public void The_version_looked_for_is_the_one_the_scanner_is_built_against()
    {
        var packages = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "Directory.Packages.props"));
        var version = Regex.Match(packages, "Include=\"libclang.runtime.linux-x64\" Version=\"([^\"]+)\"").Groups[1].Value;

        Assert.Equal(LibClangLocation.PackageVersion, version);
    }

    private string Touch(string relative)
    {
        var path = Path.Combine(_scratch, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, string.Empty);
        return path;
    }
}
