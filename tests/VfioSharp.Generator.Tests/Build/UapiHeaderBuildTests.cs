using VfioSharp.Scanner.Tests.Infrastructure;

namespace VfioSharp.Generator.Tests.Build;

/// <summary>
/// A driver project that lists vendored headers as UapiHeader items, built with dotnet build as a user
/// builds it: bindings are generated, the scanner runs only when a header changed.
/// </summary>
public sealed class UapiHeaderBuildTests
{
    [Fact]
    public void The_scanner_runs_on_the_first_build_not_on_a_no_op_build_and_again_after_a_header_edit()
    {
        var project = CreateProject();

        var first = Build(project);
        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Contains("VfioSharp: scanning linux/vfio.h", first.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(project, "obj", "Debug", "net10.0", "vfiosharp", "App.Uapi.json")), "the model belongs in obj/");
        Assert.False(Directory.Exists(Path.Combine(project, "vfiosharp")), "nothing lands outside obj/");

        var second = Build(project);
        Assert.True(second.ExitCode == 0, second.Output);
        Assert.DoesNotContain("VfioSharp: scanning", second.Output, StringComparison.Ordinal);
        Assert.Contains("Skipping target \"_VfioSharpScanHeaders\"", second.Output, StringComparison.Ordinal);

        // An edit to a header of the tree (not only the listed one) regenerates the bindings.
        File.AppendAllText(Path.Combine(project, "headers", "linux", "vfio.h"), "\n#define APP_ADDED_BY_TEST 42\n");
        File.WriteAllText(Path.Combine(project, "UsesAddedMacro.cs"), "namespace App; static class Added { public const int Value = App.Uapi.vfio.APP_ADDED_BY_TEST; }\n");
        var third = Build(project);
        Assert.True(third.ExitCode == 0, third.Output);
        Assert.Contains("VfioSharp: scanning linux/vfio.h", third.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_item_without_a_namespace_fails_the_build_with_a_clear_error()
    {
        var project = CreateProject(namespaceAttribute: string.Empty);

        var build = Build(project);

        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains("has no Namespace for its bindings", build.Output, StringComparison.Ordinal);
    }

    private static string CreateProject(string namespaceAttribute = " Namespace=\"App.Uapi\"")
    {
        var directory = TemporaryTree.NewDirectory();
        foreach (var file in Directory.EnumerateFiles(Repository.Headers("linux-6.12"), "*.h", SearchOption.AllDirectories))
        {
            var target = Path.Combine(directory, "headers", Path.GetRelativePath(Repository.Headers("linux-6.12"), file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        var build = Path.Combine(Repository.Root, "generator", "build");
        var bin = AppContext.BaseDirectory;
        File.WriteAllText(Path.Combine(directory, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <Import Project="{build}/VfioSharp.props" />
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <AllowUnsafeBlocks>true</AllowUnsafeBlocks>
                <TreatWarningsAsErrors>false</TreatWarningsAsErrors>
                <VfioSharpScannerPath>{Repository.Scanner}</VfioSharpScannerPath>
              </PropertyGroup>
              <ItemGroup>
                <UapiHeader Include="headers/linux/vfio.h" Root="headers"{namespaceAttribute} />
                <Reference Include="{bin}VfioSharp.Runtime.dll" />
                <Analyzer Include="{bin}VfioSharp.Generator.dll;{bin}VfioSharp.Emitter.dll;{bin}VfioSharp.Model.dll" />
              </ItemGroup>
              <Import Project="{build}/VfioSharp.targets" />
            </Project>
            """);
        File.WriteAllText(Path.Combine(directory, "Driver.cs"), """
            namespace App;
            public static class Driver
            {
                public static int InfoSize => System.Runtime.CompilerServices.Unsafe.SizeOf<App.Uapi.vfio_device_info>();
                public static ulong Request => App.Uapi.vfio.VFIO_DEVICE_GET_INFO;
            }
            """);
        return directory;
    }

    private static (int ExitCode, string Output) Build(string project)
    {
        var (exit, output, error) = ScanRun.Run("dotnet", ["build", "-v:n", "-nodeReuse:false", "-p:UseSharedCompilation=false"], project);
        return (exit, output + error);
    }
}
