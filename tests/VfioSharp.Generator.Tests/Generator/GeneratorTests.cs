using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis.Text;
using VfioSharp.Generator.Tests.Infrastructure;
using VfioSharp.Scanner.Tests.Infrastructure;

namespace VfioSharp.Generator.Tests.Generator;

public sealed class GeneratorTests
{
    private const string ModelPath = "/project/obj/vfiosharp/Edge.Uapi.json";

    /// <summary>No package to resolve: the references are the running framework's (see SolutionTransforms).</summary>
    private static readonly ReferenceAssemblies Net10 = new("net10.0");

    [Fact]
    public async Task A_model_given_as_an_additional_file_becomes_the_reviewed_bindings()
    {
        var test = new CSharpSourceGeneratorTest<BindingsGenerator, DefaultVerifier>
        {
            ReferenceAssemblies = Net10,
            TestState =
            {
                Sources = { "class Driver { }" },
                AdditionalFiles = { (ModelPath, ScannedModels.Get(HeaderSets.EdgeCases).Run.ModelText) },
                AnalyzerConfigFiles = { ("/.globalconfig", Metadata("Edge.Uapi")) },
            },
            SolutionTransforms = { (solution, project) => solution.WithProjectMetadataReferences(project, GeneratedBindings.References) },
        };
        foreach (var baseline in Directory.EnumerateFiles(Path.Combine(Repository.Root, "tests", "VfioSharp.Generator.Tests", "Baselines", "edge"), "*.txt").Order(StringComparer.Ordinal))
        {
            var hintName = Path.GetFileNameWithoutExtension(baseline);
            test.TestState.GeneratedSources.Add((typeof(BindingsGenerator), hintName, SourceText.From(File.ReadAllText(baseline), System.Text.Encoding.UTF8)));
        }

        // The edge header has one _IO request outside any table and without kerneldoc: a typed call can't be made.
        test.ExpectedDiagnostics.Add(new DiagnosticResult("VFIOGEN004", DiagnosticSeverity.Warning).WithNoLocation());
        await test.RunAsync();
    }

    [Fact]
    public void A_broken_model_is_a_diagnostic_naming_the_file_and_line_not_an_exception()
    {
        var diagnostics = Run("{\n  \"schema\": \"vfiosharp.uapi-model\",\n  \"schemaVersion\": 1,\n  \"headerSet\": [\n", "Broken.Uapi");

        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("VFIOGEN001", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Contains(ModelPath, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Equal(ModelPath, diagnostic.Location.GetLineSpan().Path);
    }

    [Fact]
    public void A_model_of_another_schema_version_is_refused_by_name()
    {
        var text = ScannedModels.Get(HeaderSets.EdgeCases).Run.ModelText.Replace("\"schemaVersion\": 1,", "\"schemaVersion\": 2,", StringComparison.Ordinal);

        var diagnostic = Assert.Single(Run(text, "Edge.Uapi"));

        Assert.Equal("VFIOGEN001", diagnostic.Id);
        Assert.Contains("2", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void An_invalid_namespace_is_a_diagnostic()
    {
        var diagnostic = Assert.Single(Run(ScannedModels.Get(HeaderSets.EdgeCases).Run.ModelText, "Not A.Namespace"));

        Assert.Equal("VFIOGEN005", diagnostic.Id);
    }

    [Fact]
    public void A_construct_the_emitter_cannot_express_is_reported_at_its_header_line()
    {
        // A GNU empty struct has size 0: C# has no such struct.
        var root = TemporaryTree.WithClosure();
        TemporaryTree.Write(root, "odd/empty.h", "struct nothing_inside {\n};\nstruct fine { int a; };\n");
        var run = ScanRun.Start(root, ["odd/empty.h"]);
        Assert.Equal(0, run.ExitCode);

        var diagnostics = Run(run.ModelText, "Odd.Uapi", headerRoot: root);

        var diagnostic = Assert.Single(diagnostics, d => d.Id == "VFIOGEN002");
        Assert.Contains("odd/empty.h:1", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Equal(Path.Combine(root, "odd/empty.h"), diagnostic.Location.GetLineSpan().Path);
    }

    private static string Metadata(string ns, string? headerRoot = null) =>
        "is_global = true\n\n[" + ModelPath + "]\nbuild_metadata.AdditionalFiles.VfioSharpNamespace = " + ns + "\nbuild_metadata.AdditionalFiles.VfioSharpPublic = true\n" +
        (headerRoot is null ? string.Empty : "build_metadata.AdditionalFiles.VfioSharpHeaderRoot = " + headerRoot + "\n");

    private static IReadOnlyList<Diagnostic> Run(string modelText, string ns, string? headerRoot = null)
    {
        var compilation = GeneratedBindings.Compile("Driver", ["class Driver { }"]);
        var options = new Dictionary<string, string> { ["build_metadata.AdditionalFiles.VfioSharpNamespace"] = ns };
        if (headerRoot is not null)
        {
            options["build_metadata.AdditionalFiles.VfioSharpHeaderRoot"] = headerRoot;
        }

        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new BindingsGenerator().AsSourceGenerator()],
            [new InMemoryAdditionalText(ModelPath, modelText)],
            (CSharpParseOptions)compilation.SyntaxTrees.First().Options,
            new InMemoryOptionsProvider(options));
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out _, out var diagnostics);
        Assert.Empty(driver.GetRunResult().Results.Single().Exception is { } e ? [e] : Array.Empty<Exception>());
        return diagnostics;
    }
}
