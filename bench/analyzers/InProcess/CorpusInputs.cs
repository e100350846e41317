using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace VfioSharp.Bench.AnalyzersInProcess;

/// <summary>
/// What the compiler is given for the corpus project of bench/analyzers/run: its files, the runtime and
/// the framework's reference assemblies, and the options of its Corpus.csproj (Release, unsafe, nullable
/// off, no implicit usings, VFIO002 raised to warning as its .editorconfig does).
/// </summary>
internal sealed class CorpusInputs
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.None);

    private readonly (string Path, SourceText Text)[] _sources;
    private readonly ImmutableArray<MetadataReference> _references;

    public CorpusInputs(string corpusFolder, string runtimeAssembly)
    {
        // Read once: the build reads its files too, but a disk's cache is not what is compared here.
        _sources = Directory.GetFiles(corpusFolder, "Driver*.cs")
            .Order(StringComparer.Ordinal)
            .Select(path => (Path.GetFileName(path), SourceText.From(File.ReadAllText(path), Encoding.UTF8)))
            .ToArray();
        if (_sources.Length == 0)
        {
            throw new InvalidOperationException($"no Driver*.cs in {corpusFolder}");
        }

        _references = FrameworkReferenceAssemblies()
            .Append(runtimeAssembly)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
        Lines = _sources.Sum(source => source.Text.Lines.Count);
    }

    public int Files => _sources.Length;

    public int Lines { get; }

    /// <summary>
    /// Parses every file and makes a fresh compilation, as each build of a compiler server does (it keeps
    /// no compilation from one build to the next). Single-threaded: on a 2-core machine shared with other
    /// builds, a concurrent compile measures the neighbours; one thread measures the work.
    /// </summary>
    public CSharpCompilation Compile()
    {
        var trees = new SyntaxTree[_sources.Length];
        for (var i = 0; i < trees.Length; i++)
        {
            trees[i] = CSharpSyntaxTree.ParseText(_sources[i].Text, ParseOptions, _sources[i].Path);
        }

        var options = new CSharpCompilationOptions(
            OutputKind.DynamicallyLinkedLibrary,
            optimizationLevel: OptimizationLevel.Release,
            allowUnsafe: true,
            nullableContextOptions: NullableContextOptions.Disable,
            concurrentBuild: false,
            deterministic: true,
            specificDiagnosticOptions: [new("VFIO002", ReportDiagnostic.Warn)]);
        return CSharpCompilation.Create("Corpus", trees, _references, options);
    }

    /// <summary>The net10.0 reference assemblies of the SDK beside the running runtime (what the build passes).</summary>
    private static IEnumerable<string> FrameworkReferenceAssemblies()
    {
        // shared/Microsoft.NETCore.App/<version>/System.Private.CoreLib.dll -> the dotnet root.
        var root = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "../../.."));
        var pack = Directory.GetDirectories(Path.Combine(root, "packs/Microsoft.NETCore.App.Ref"))
            .Select(folder => (Folder: folder, Version: Version.TryParse(Path.GetFileName(folder), out var v) ? v : null))
            .Where(candidate => candidate.Version is not null && Directory.Exists(Path.Combine(candidate.Folder, "ref/net10.0")))
            .MaxBy(candidate => candidate.Version)
            .Folder ?? throw new InvalidOperationException($"no Microsoft.NETCore.App.Ref pack with ref/net10.0 under {root}");
        return Directory.GetFiles(Path.Combine(pack, "ref/net10.0"), "*.dll").Order(StringComparer.Ordinal);
    }
}
