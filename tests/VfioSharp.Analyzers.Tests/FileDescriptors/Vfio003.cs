using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using VfioSharp.Analyzers.CodeFixes.FileDescriptors;
using VfioSharp.Analyzers.FileDescriptors;
using VfioSharp.Analyzers.Tests.Infrastructure;

namespace VfioSharp.Analyzers.Tests.FileDescriptors;

/// <summary>
/// Runs VFIO003 and its fix over test code, beside a support file that declares what the runtime
/// and the generated bindings will provide: the attribute and a kernel seam to call.
/// </summary>
internal static class Vfio003
{
    public const string SupportFile = """
        namespace VfioSharp
        {
            [System.AttributeUsage(System.AttributeTargets.Field | System.AttributeTargets.Property | System.AttributeTargets.Parameter)]
            public sealed class FileDescriptorAttribute : System.Attribute { }
        }

        public interface IKernel
        {
            int Open(string path);
            int Close(int fd);
            int Ioctl(int fd, ulong request);
            int Ioctl<T>(int fd, ulong request, ref T argument) where T : struct;
            int ContainerGroupUnbind(int containerFd, int iommuGroup);
        }
        """;

    public static DiagnosticResult Diagnostic() => new(FileDescriptorLeftAtZeroAnalyzer.DiagnosticId, DiagnosticSeverity.Warning);

    /// <summary>A diagnostic at markup location 0 whose additional locations are not checked.</summary>
    public static DiagnosticResult At(int markup) => Diagnostic().WithLocation(markup).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);

    public static Task AnalyzeAsync(string source, params DiagnosticResult[] expected)
        => AnalyzeAsync(new[] { source }, OutputKind.DynamicallyLinkedLibrary, expected);

    public static Task AnalyzeAsync(string[] sources, OutputKind outputKind, params DiagnosticResult[] expected)
    {
        var test = new CSharpAnalyzerVerifier<FileDescriptorLeftAtZeroAnalyzer>.Test();
        for (var i = 0; i < sources.Length; i++)
        {
            test.TestState.Sources.Add(($"/0/Test{i}.cs", sources[i]));
        }

        test.TestState.Sources.Add(("/0/Support.cs", SupportFile));
        test.TestState.OutputKind = outputKind;
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }

    public static Task FixAsync(string source, string fixedSource, params DiagnosticResult[] expected)
        => FixAsync(new[] { source }, new[] { fixedSource }, expected);

    public static Task FixAsync(string[] sources, string[] fixedSources, params DiagnosticResult[] expected)
    {
        var test = new CSharpCodeFixVerifier<FileDescriptorLeftAtZeroAnalyzer, FileDescriptorInitializerCodeFix>.Test();
        for (var i = 0; i < sources.Length; i++)
        {
            test.TestState.Sources.Add(($"/0/Test{i}.cs", sources[i]));
            test.FixedState.Sources.Add(($"/0/Test{i}.cs", fixedSources[i]));
        }

        test.TestState.Sources.Add(("/0/Support.cs", SupportFile));
        test.FixedState.Sources.Add(("/0/Support.cs", SupportFile));

        // VFIO003 is a compilation-end diagnostic (its verdict weighs every constructor and creation
        // site of the compilation), so an IDE offers the fix once full analysis has produced it.
        test.CodeFixTestBehaviors |= CodeFixTestBehaviors.SkipLocalDiagnosticCheck;
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }
}
