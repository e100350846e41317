using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using VfioSharp.Analyzers.OverlappingMembers;
using VfioSharp.Analyzers.Tests.Infrastructure;

namespace VfioSharp.Analyzers.Tests.DpdkPort;

/// <summary>A source file of the port: its file name (unique in the sample) and text.</summary>
internal sealed record PortSource(string Name, string Text);

/// <summary>An analyzer diagnostic, by file name, line and rule.</summary>
internal sealed record Finding(string File, int Line, string Id)
{
    public override string ToString() => $"{File}({Line}): {Id}";
}

/// <summary>What compiling and analyzing a copy of the port gave.</summary>
internal sealed record PortAnalysis(
    IReadOnlyList<Diagnostic> CompilerErrors,
    IReadOnlyList<Diagnostic> CompilerWarnings,
    IReadOnlyList<Finding> Findings);

/// <summary>
/// Compiles the port the way <c>samples/DpdkPort/DpdkPort.csproj</c> does and runs every analyzer of
/// the analyzer assembly over it, including the compilation-end ones.
/// </summary>
internal static class DpdkPortCompilation
{
    /// <summary>The global usings that ImplicitUsings gives a library project.</summary>
    private const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    private static readonly string SampleDirectory = Path.Combine(Repository.Root, "samples", "DpdkPort");

    private static readonly string BuggyDirectory = Path.Combine(Repository.Root, "tests", "VfioSharp.Analyzers.Tests", "DpdkPort", "Buggy");

    /// <summary>The sample's sources: what its project compiles.</summary>
    public static IReadOnlyList<PortSource> FixedSources()
    {
        var files = Directory.EnumerateFiles(SampleDirectory, "*.cs", SearchOption.AllDirectories)
            .Where(path => !Path.GetRelativePath(SampleDirectory, path).Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Select(path => new PortSource(Path.GetFileName(path), File.ReadAllText(path)))
            .OrderBy(s => s.Name, StringComparer.Ordinal)
            .ToList();
        if (files.Select(s => s.Name).Distinct(StringComparer.Ordinal).Count() != files.Count)
        {
            throw new InvalidOperationException("the sample's file names must be unique: the buggy copy replaces files by name");
        }

        return files;
    }

    /// <summary>The buggy files, each named like the file of the sample it replaces.</summary>
    public static IReadOnlyList<PortSource> BuggyOverlay()
        => Directory.EnumerateFiles(BuggyDirectory, "*.cs.txt")
            .Select(path => new PortSource(Path.GetFileName(path)[..^".txt".Length], File.ReadAllText(path)))
            .OrderBy(s => s.Name, StringComparer.Ordinal)
            .ToList();

    /// <summary>The sample with the buggy files in place of their namesakes.</summary>
    public static IReadOnlyList<PortSource> BuggySources()
    {
        var overlay = BuggyOverlay().ToDictionary(s => s.Name, StringComparer.Ordinal);
        return FixedSources().Select(s => overlay.GetValueOrDefault(s.Name, s)).ToList();
    }

    public static async Task<PortAnalysis> AnalyzeAsync(IEnumerable<PortSource> sources)
    {
        var parseOptions = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = sources
            .Select(s => CSharpSyntaxTree.ParseText(s.Text, parseOptions, path: s.Name))
            .Append(CSharpSyntaxTree.ParseText(ImplicitUsings, parseOptions, path: "GlobalUsings.g.cs"));
        var compilation = CSharpCompilation.Create(
            "DpdkPort",
            trees,
            RuntimeReferences.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));

        var withAnalyzers = compilation.WithAnalyzers(AllAnalyzers(), new CompilationWithAnalyzersOptions(
            NoAdditionalFiles(), onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: false));
        var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync(CancellationToken.None);
        Assert.Empty(OverlappingMemberAnalysisSession.InternalErrors);

        var compilerDiagnostics = compilation.GetDiagnostics();
        return new PortAnalysis(
            compilerDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList(),
            compilerDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning).ToList(),
            diagnostics
                .Select(d => new Finding(d.Location.SourceTree?.FilePath ?? "", d.Location.GetLineSpan().StartLinePosition.Line + 1, d.Id))
                .ToList());
    }

    /// <summary>Every analyzer the analyzer assembly ships, whichever rules exist when the test runs.</summary>
    private static ImmutableArray<DiagnosticAnalyzer> AllAnalyzers()
        => typeof(OverlappingMemberClobberAnalyzer).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();

    private static AnalyzerOptions NoAdditionalFiles() => new([]);
}
