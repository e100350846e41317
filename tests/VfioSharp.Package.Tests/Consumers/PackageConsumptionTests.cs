using System.IO.Compression;

namespace VfioSharp.Package.Tests.Consumers;

/// <summary>
/// Brand-new projects that reference only the packed VfioSharp package: one on the models the package
/// ships (no libclang anywhere), one that vendors the 6.12 headers and scans them.
/// </summary>
public sealed class PackageConsumptionTests(PackedToolkit toolkit) : IClassFixture<PackedToolkit>
{
    [Fact]
    public void Package_has_the_documented_layout_and_no_libclang_or_dependency()
    {
        using var archive = ZipFile.OpenRead(toolkit.Package);
        var entries = archive.Entries.Select(e => e.FullName).ToHashSet();
        string[] expected =
        [
            "lib/net10.0/VfioSharp.Runtime.dll", "lib/net10.0/VfioSharp.Simulation.dll",
            "analyzers/dotnet/cs/VfioSharp.Generator.dll", "analyzers/dotnet/cs/VfioSharp.Model.dll", "analyzers/dotnet/cs/VfioSharp.Emitter.dll",
            "analyzers/dotnet/cs/VfioSharp.Analyzers.dll", "analyzers/dotnet/cs/VfioSharp.Analyzers.CodeFixes.dll",
            "build/VfioSharp.props", "build/VfioSharp.targets", "build/VfioSharp.Uapi.props", "build/VfioSharp.Uapi.targets",
            "models/linux-6.12/model.json", "models/linux-6.12/PROVENANCE", "models/linux-6.17/model.json", "models/linux-6.17/PROVENANCE",
            "tools/scanner/vfiosharp.dll", "tools/scanner/vfiosharp.runtimeconfig.json", "tools/scanner/VfioSharp.Scanner.dll",
            "THIRD-PARTY-NOTICES.md", "LICENSE",
        ];
        Assert.All(expected, e => Assert.Contains(e, entries));
        Assert.DoesNotContain(entries, e => e.Contains("libclang", StringComparison.OrdinalIgnoreCase));

        using var nuspec = new StreamReader(archive.GetEntry("VfioSharp.nuspec")!.Open());
        var manifest = nuspec.ReadToEnd();
        Assert.DoesNotContain("<dependency", manifest, StringComparison.Ordinal);
        Assert.Contains("<license type=\"expression\">MIT</license>", manifest, StringComparison.Ordinal);
        using var notices = new StreamReader(archive.GetEntry("THIRD-PARTY-NOTICES.md")!.Open());
        Assert.Contains("GPL-2.0 WITH Linux-syscall-note", notices.ReadToEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public void Project_on_shipped_models_gets_bindings_and_diagnostics_and_runs_edu_without_libclang()
    {
        var project = toolkit.NewProject("ShippedModels");
        File.WriteAllText(Path.Combine(project, "ShippedModels.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <InvariantGlobalization>true</InvariantGlobalization>
                <EmitCompilerGeneratedFiles>true</EmitCompilerGeneratedFiles>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="VfioSharp" Version="{toolkit.Version}" />
                <UapiModel Include="$(VfioSharpModels)linux-6.12/model.json" Namespace="Consumer.Uapi" />
              </ItemGroup>
            </Project>
            """);
        // The edu sample driver as it is in the repository, compiled against the package alone.
        foreach (var source in Directory.GetFiles(Path.Combine(toolkit.RepositoryRoot, "samples", "EduDriver"), "*.cs"))
        {
            File.Copy(source, Path.Combine(project, Path.GetFileName(source)));
        }

        File.WriteAllText(Path.Combine(project, "Planted.cs"), """
            namespace ShippedModels;

            // Bindings of the shipped 6.12 model, in the project's own namespace.
            internal static class ShippedBindings
            {
                public static int InfoSize => System.Runtime.CompilerServices.Unsafe.SizeOf<Consumer.Uapi.vfio_device_info>();
            }

            // VFIO003: an fd read while it can still be 0.
            internal sealed class PlantedFd
            {
                [VfioSharp.FileDescriptor]
                private int device_fd;

                public int Fd => device_fd;
            }
            """);

        var build = DotnetCommand.Run(project, "build", "-nodeReuse:false").Expect(0, "dotnet build (shipped models)");
        Assert.Contains(build.Output.Split(Environment.NewLine), line => line.Contains("Planted.cs(13,", StringComparison.Ordinal) && line.Contains("warning VFIO003", StringComparison.Ordinal));
        Assert.DoesNotContain("VfioSharp: scanning", build.Output, StringComparison.Ordinal);
        var generated = Directory.GetFiles(Path.Combine(project, "obj"), "*.cs", SearchOption.AllDirectories)
            .Where(f => f.Contains("generated", StringComparison.Ordinal)).Select(File.ReadAllText);
        Assert.Contains(generated, text => text.Contains("namespace Consumer.Uapi", StringComparison.Ordinal));

        var bin = Path.Combine(project, "bin", "Debug", "net10.0");
        var run = DotnetCommand.Run(project, Path.Combine(bin, "ShippedModels.dll")).Expect(0, "the edu sample on the simulated kernel");
        Assert.Contains("edu driver: every check passed", run.Output, StringComparison.Ordinal);
        Assert.Contains("Cdev mode", run.Output, StringComparison.Ordinal);

        Assert.DoesNotContain("libclang", File.ReadAllText(Path.Combine(project, "obj", "project.assets.json")), StringComparison.OrdinalIgnoreCase);
        Assert.Empty(Directory.GetFiles(bin, "libclang*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Project_vendoring_headers_scans_them_keeps_libclang_out_of_bin_and_rescans_an_edited_header()
    {
        var project = toolkit.NewProject("VendoredHeaders");
        var source = Path.Combine(toolkit.RepositoryRoot, "headers", "linux-6.12");
        foreach (var header in Directory.GetFiles(source, "*.h", SearchOption.AllDirectories))
        {
            var target = Path.Combine(project, "headers", "linux-6.12", Path.GetRelativePath(source, header));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(header, target);
        }

        File.WriteAllText(Path.Combine(project, "VendoredHeaders.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="VfioSharp" Version="{toolkit.Version}" />
                <PackageReference Include="libclang.runtime.linux-x64" Version="22.1.8" ExcludeAssets="all" PrivateAssets="all" />
                <UapiHeader Include="headers/linux-6.12/linux/vfio.h" Root="headers/linux-6.12" Namespace="Vendored.Uapi" />
                <UapiHeader Include="headers/linux-6.12/linux/iommufd.h" Root="headers/linux-6.12" Namespace="Vendored.Uapi" />
              </ItemGroup>
            </Project>
            """);
        var program = Path.Combine(project, "Program.cs");
        File.WriteAllText(program, "Console.WriteLine($\"api {Vendored.Uapi.vfio.VFIO_API_VERSION}, bind {System.Runtime.CompilerServices.Unsafe.SizeOf<Vendored.Uapi.vfio_device_bind_iommufd>()}\");\n");

        var build = DotnetCommand.Run(project, "build", "-nodeReuse:false").Expect(0, "dotnet build (vendored headers)");
        Assert.Contains("VfioSharp: scanning linux/vfio.h, linux/iommufd.h", build.Output, StringComparison.Ordinal);
        var bin = Path.Combine(project, "bin", "Debug", "net10.0");
        // 6.12's vfio_device_bind_iommufd is 16 bytes (6.17 made it 24): the bindings are the vendored version's.
        Assert.Contains("api 0, bind 16", RunApp(project, bin), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(bin, "libclang*", SearchOption.AllDirectories));
        Assert.True(Directory.GetFiles(bin, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) < 4 << 20, "bin holds more than 4 MiB");

        // A no-op build neither scans nor needs to.
        var again = DotnetCommand.Run(project, "build", "-nodeReuse:false").Expect(0, "dotnet build (no change)");
        Assert.DoesNotContain("VfioSharp: scanning", again.Output, StringComparison.Ordinal);

        // Edit a vendored header: the next build scans again and the new macro is a constant.
        File.AppendAllText(Path.Combine(project, "headers", "linux-6.12", "linux", "vfio.h"), "\n#define VFIOSHARP_PACKAGE_TEST 42\n");
        File.WriteAllText(program, "Console.WriteLine($\"marker {Vendored.Uapi.vfio.VFIOSHARP_PACKAGE_TEST}\");\n");
        var edited = DotnetCommand.Run(project, "build", "-nodeReuse:false").Expect(0, "dotnet build (edited header)");
        Assert.Contains("VfioSharp: scanning", edited.Output, StringComparison.Ordinal);
        Assert.Contains("marker 42", RunApp(project, bin), StringComparison.Ordinal);
    }

    private static string RunApp(string project, string bin) =>
        DotnetCommand.Run(project, Path.Combine(bin, Path.GetFileName(project) + ".dll")).Expect(0, "the consumer app").Output;
}
