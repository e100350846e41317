using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using VfioSharp.Analyzers.OverlappingMembers;
using VfioSharp.Analyzers.Tests.Infrastructure;
using Xunit;

namespace VfioSharp.Analyzers.Tests.OverlappingMembers;

/// <summary>
/// Runs VFIO001 and VFIO002 together over unsafe-enabled test code, so that every test states the
/// complete set of both diagnostics ("one bug, one diagnostic" is then checked everywhere), and
/// fails when the analysis swallowed an internal error.
/// </summary>
internal static class OverlappingMemberVerifier
{
    /// <summary>The C# rendering of the review's types that most tests share.</summary>
    public const string ReviewTypes = """
        using System;
        using System.Runtime.InteropServices;

        enum VfioMode { None, Group, NoIommu, Cdev }

        struct GroupConfig { public bool dma_setup_done; public int n_groups; }

        struct CdevConfig { public uint ioas_id; public int iommufd; }

        [StructLayout(LayoutKind.Explicit)]
        struct ContainerConfig
        {
            [FieldOffset(0)] public GroupConfig group_cfg;
            [FieldOffset(0)] public CdevConfig cdev_cfg;
        }

        sealed class Container
        {
            public ContainerConfig cfg;
            public VfioMode mode;
        }

        static class Vfio
        {
            public static int CdevSyncIoas(ref CdevConfig cfg) { cfg.ioas_id = 7; return 0; }
            public static void InitGroup(ref GroupConfig cfg) { cfg.n_groups = 1; }
            public static void Use(uint value) { }
            public static void Use(bool value) { }
        }

        """;

    public static Task VerifyAsync(string source, params DiagnosticResult[] expected)
        => RunAsync(new Test { TestCode = source }, expected);

    /// <summary>
    /// Verifies <paramref name="source"/> compiled like a driver: against the running framework and
    /// the VfioSharp runtime, so that its generated uapi unions come from metadata.
    /// </summary>
    public static Task VerifyAgainstRuntimeAsync(string source, params DiagnosticResult[] expected)
        => RunAsync(new Test(RuntimeReferences.Add) { TestCode = source }, expected);

    /// <summary>Verifies <paramref name="source"/> compiled against net8.0 and a library given as metadata.</summary>
    public static Task VerifyWithLibraryAsync(string source, MetadataReference library, params DiagnosticResult[] expected)
        => RunAsync(
            new Test(state =>
            {
                TestReferences.AddNet80(state);
                state.AdditionalReferences.Add(library);
            })
            { TestCode = source },
            expected);

    /// <summary>Verifies an executable: top-level statements need one.</summary>
    public static Task VerifyProgramAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new Test { TestCode = source };
        test.TestState.OutputKind = OutputKind.ConsoleApplication;
        return RunAsync(test, expected);
    }

    private static async Task RunAsync(Test test, DiagnosticResult[] expected)
    {
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync(CancellationToken.None);
        Assert.Empty(OverlappingMemberAnalysisSession.InternalErrors);
    }

    /// <summary>Verifies <paramref name="body"/> appended to <see cref="ReviewTypes"/>.</summary>
    public static Task VerifyWithReviewTypesAsync(string body, params DiagnosticResult[] expected)
        => VerifyAsync(ReviewTypes + body, expected);

    public static DiagnosticResult Clobber() => new(OverlappingMemberDescriptors.Clobber);

    public static DiagnosticResult PunningRead() => new(OverlappingMemberDescriptors.PunningRead);

    private sealed class Test : CSharpAnalyzerTest<OverlappingMemberClobberAnalyzer, DefaultVerifier>
    {
        public Test()
            : this(TestReferences.AddNet80)
        {
        }

        public Test(Action<SolutionState> addReferences)
        {
            addReferences(TestState);
        }

        protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers()
            => [new OverlappingMemberClobberAnalyzer(), new PunningReadAnalyzer()];

        protected override ParseOptions CreateParseOptions()
            => ((CSharpParseOptions)base.CreateParseOptions()).WithLanguageVersion(LanguageVersion.Latest);

        protected override CompilationOptions CreateCompilationOptions()
            => ((CSharpCompilationOptions)base.CreateCompilationOptions()).WithAllowUnsafe(true);
    }
}
