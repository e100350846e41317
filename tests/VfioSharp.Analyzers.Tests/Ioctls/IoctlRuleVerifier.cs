using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using VfioSharp.Analyzers.Ioctls;
using VfioSharp.Analyzers.Tests.Infrastructure;
using Xunit;

namespace VfioSharp.Analyzers.Tests.Ioctls;

/// <summary>
/// Runs one of the ioctl rules (VFIO004, VFIO005, VFIO008) over unsafe-enabled test code compiled
/// like a driver: against the running framework and the VfioSharp runtime, whose generated
/// <c>VfioSharp.Uapi</c> request constants carry <c>[IoctlRequest]</c> in metadata. Fails when the
/// analysis swallowed an internal error.
/// </summary>
internal static class IoctlRuleVerifier<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    /// <summary>The usings every test source starts with.</summary>
    public const string Usings = """
        using System;
        using System.Runtime.CompilerServices;
        using VfioSharp.Handles;
        using VfioSharp.Ioctls;
        using VfioSharp.Kernel;
        using VfioSharp.Uapi;

        """;

    public static Task VerifyAsync(string source, params DiagnosticResult[] expected)
        => VerifyAsync(source, OutputKind.DynamicallyLinkedLibrary, expected);

    public static async Task VerifyAsync(string source, OutputKind outputKind, params DiagnosticResult[] expected)
    {
        var test = new AnalyzerTest { TestCode = source };
        test.TestState.OutputKind = outputKind;
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync(CancellationToken.None);
        Assert.Empty(IoctlRuleErrors.InternalErrors);
    }

    /// <summary>Runs the rule over code that does not compile: only the rule's own diagnostics are compared.</summary>
    public static async Task VerifyBrokenAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new AnalyzerTest { TestCode = source, CompilerDiagnostics = CompilerDiagnostics.None };
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync(CancellationToken.None);
        Assert.Empty(IoctlRuleErrors.InternalErrors);
    }

    /// <summary>Verifies <paramref name="source"/> compiled against net8.0 alone (no runtime): the rule must find nothing to do.</summary>
    public static async Task VerifyWithoutRuntimeAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new AnalyzerTest(TestReferences.AddNet80) { TestCode = source };
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync(CancellationToken.None);
        Assert.Empty(IoctlRuleErrors.InternalErrors);
    }

    /// <summary>The rule's diagnostic at a markup location, message and additional locations unchecked.</summary>
    public static DiagnosticResult Diagnostic(int markup)
        => new DiagnosticResult(Descriptor.Id, Descriptor.DefaultSeverity).WithLocation(markup).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);

    /// <summary>The rule's diagnostic at a markup location with its message's arguments.</summary>
    public static DiagnosticResult Diagnostic(int markup, params object[] arguments)
        => new DiagnosticResult(Descriptor).WithLocation(markup).WithArguments(arguments).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);

    private static DiagnosticDescriptor Descriptor { get; } = new TAnalyzer().SupportedDiagnostics[0];

    private sealed class AnalyzerTest : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
    {
        public AnalyzerTest()
            : this(RuntimeReferences.Add)
        {
        }

        public AnalyzerTest(Action<SolutionState> addReferences)
        {
            addReferences(TestState);
        }

        protected override ParseOptions CreateParseOptions()
            => ((CSharpParseOptions)base.CreateParseOptions()).WithLanguageVersion(LanguageVersion.Latest);

        protected override CompilationOptions CreateCompilationOptions()
            => ((CSharpCompilationOptions)base.CreateCompilationOptions()).WithAllowUnsafe(true);
    }
}

/// <summary>Runs an ioctl rule and its code fix, before and after, one diagnostic at a time and all at once.</summary>
internal static class IoctlRuleFixVerifier<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public static async Task VerifyFixAsync(string source, string fixedSource, params DiagnosticResult[] expected)
    {
        var test = new FixTest { TestCode = source, FixedCode = fixedSource };
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync(CancellationToken.None);
        Assert.Empty(IoctlRuleErrors.InternalErrors);
    }

    /// <summary>Checks that the diagnostics are offered no fix.</summary>
    public static async Task VerifyNoFixAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new FixTest { TestCode = source, FixedCode = source };
        test.ExpectedDiagnostics.AddRange(expected);
        test.FixedState.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync(CancellationToken.None);
        Assert.Empty(IoctlRuleErrors.InternalErrors);
    }

    private sealed class FixTest : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
    {
        public FixTest()
        {
            RuntimeReferences.Add(TestState);
        }

        protected override ParseOptions CreateParseOptions()
            => ((CSharpParseOptions)base.CreateParseOptions()).WithLanguageVersion(LanguageVersion.Latest);

        protected override CompilationOptions CreateCompilationOptions()
            => ((CSharpCompilationOptions)base.CreateCompilationOptions()).WithAllowUnsafe(true);
    }
}
