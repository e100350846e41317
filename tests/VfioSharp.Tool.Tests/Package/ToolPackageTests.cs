using System.IO.Compression;
using VfioSharp.Tool.Tests.Machines;

namespace VfioSharp.Tool.Tests.Package;

/// <summary>The VfioSharp.Tool package as a user meets it: installed from a feed into a tool path, then run.</summary>
public sealed class ToolPackageTests(InstalledTool tool) : IClassFixture<InstalledTool>
{
    [Fact]
    public void Package_is_a_dotnet_tool_named_vfiosharp_with_licences_and_without_libclang()
    {
        using var archive = ZipFile.OpenRead(tool.Package);
        var entries = archive.Entries.Select(e => e.FullName).ToList();

        Assert.Contains("tools/net10.0/any/VfioSharp.Tool.dll", entries);
        Assert.Contains("tools/net10.0/any/VfioSharp.Runtime.dll", entries);
        Assert.Contains("tools/net10.0/any/VfioSharp.Scanner.dll", entries);
        Assert.Contains("LICENSE", entries);
        Assert.Contains("THIRD-PARTY-NOTICES.md", entries);
        Assert.DoesNotContain(entries, e => e.Contains("libclang", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(entries, e => e.EndsWith("VfioSharp.Runtime.xml", StringComparison.Ordinal));
        using var settings = new StreamReader(archive.GetEntry("tools/net10.0/any/DotnetToolSettings.xml")!.Open());
        Assert.Contains("Name=\"vfiosharp\" EntryPoint=\"VfioSharp.Tool.dll\"", settings.ReadToEnd(), StringComparison.Ordinal);
        using var nuspec = new StreamReader(archive.GetEntry("VfioSharp.Tool.nuspec")!.Open());
        var manifest = nuspec.ReadToEnd();
        Assert.Contains("<license type=\"expression\">MIT</license>", manifest, StringComparison.Ordinal);
        Assert.DoesNotContain("<dependency", manifest, StringComparison.Ordinal);
        using var notices = new StreamReader(archive.GetEntry("THIRD-PARTY-NOTICES.md")!.Open());
        Assert.Contains("GPL-2.0 WITH Linux-syscall-note", notices.ReadToEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public void Installed_tool_prints_its_help()
    {
        var help = tool.Run(null, "--help").Expect(0, "vfiosharp --help");

        Assert.Contains("usage: vfiosharp <command>", help.Output, StringComparison.Ordinal);
        Assert.Contains("bind <DDDD:BB:DD.F>", help.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Installed_tool_diffs_the_shipped_models_without_libclang()
    {
        // No libclang anywhere it could look: diff must not need it.
        var nowhere = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(tool.Root, "empty-cache"), ["VFIOSHARP_LIBCLANG"] = string.Empty };

        var diff = tool.Run(nowhere, "diff", RepositoryPaths.Model("linux-6.12"), RepositoryPaths.Model("linux-6.17")).Expect(1, "vfiosharp diff (differences: exit code 1)");

        Assert.Contains("~ struct vfio_device_bind_iommufd: size 16 -> 24, alignment 4 -> 8 [ABI]", diff.Output, StringComparison.Ordinal);
        Assert.Contains("63 differences (57 added, 1 removed, 5 changed), 7 ABI-relevant", diff.Output, StringComparison.Ordinal);

        var scan = tool.Run(nowhere, "scan", "--root", "headers/linux-6.17", "--header", "linux/vfio.h", "--out", Path.Combine(tool.Root, "model.json")).Expect(1, "vfiosharp scan without libclang");
        Assert.Contains("dotnet add package libclang.runtime.linux-x64 --version 22.1.8", scan.Output, StringComparison.Ordinal);
    }
}
