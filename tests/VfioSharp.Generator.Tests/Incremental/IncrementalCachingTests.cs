using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using VfioSharp.Generator.Tests.Infrastructure;
using VfioSharp.Scanner.Tests.Infrastructure;

namespace VfioSharp.Generator.Tests.Incremental;

public sealed class IncrementalCachingTests
{
    [Fact]
    public void After_an_unrelated_edit_every_generator_step_is_cached_or_unchanged()
    {
        var model = new InMemoryAdditionalText("/project/obj/vfiosharp/Test.Uapi.json", ScannedModels.Get(HeaderSets.Linux617).Run.ModelText);
        var options = new InMemoryOptionsProvider(new Dictionary<string, string>
        {
            ["build_metadata.AdditionalFiles.VfioSharpNamespace"] = "Test.Uapi",
            ["build_metadata.AdditionalFiles.VfioSharpPublic"] = "true",
        });
        var compilation = GeneratedBindings.Compile("Driver", ["class Driver { }"]);
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new BindingsGenerator().AsSourceGenerator()],
            [model],
            (CSharpParseOptions)compilation.SyntaxTrees.First().Options,
            options,
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

        driver = driver.RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single();
        Assert.NotEmpty(first.GeneratedSources);
        Assert.All(first.TrackedSteps[BindingsGenerator.BindingsStep].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.New, o.Reason));

        // An edit that has nothing to do with the model.
        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class Unrelated { int X => 1; }", (CSharpParseOptions)compilation.SyntaxTrees.First().Options));
        driver = driver.RunGenerators(edited);
        var second = driver.GetRunResult().Results.Single();

        foreach (var step in new[] { BindingsGenerator.ModelInputStep, BindingsGenerator.BindingsStep })
        {
            Assert.All(second.TrackedSteps[step].SelectMany(s => s.Outputs),
                output => Assert.Contains(output.Reason, new[] { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged }));
        }

        Assert.All(second.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            output => Assert.Contains(output.Reason, new[] { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged }));
    }
}
