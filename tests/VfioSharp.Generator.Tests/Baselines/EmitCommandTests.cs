using VfioSharp.Scanner.Tests.Infrastructure;

namespace VfioSharp.Generator.Tests.Baselines;

/// <summary>One emitter, two hosts: `vfiosharp emit` writes what the generator adds to a compilation.</summary>
public sealed class EmitCommandTests
{
    [Fact]
    public void Emit_writes_the_generators_files_concatenated_in_their_order()
    {
        var model = Path.Combine(TemporaryTree.NewDirectory(), "edge.json");
        File.WriteAllText(model, ScannedModels.Get(HeaderSets.EdgeCases).Run.ModelText);
        var output = Path.Combine(TemporaryTree.NewDirectory(), "Bindings.cs");

        var (exit, _, error) = ScanRun.Run(Repository.Scanner, ["emit", model, "--namespace", "Edge.Uapi", "--public", "--out", output]);

        Assert.Equal(0, exit);
        var baselines = Directory.EnumerateFiles(Path.Combine(Repository.Root, "tests", "VfioSharp.Generator.Tests", "Baselines", "edge"), "*.txt")
            .Order(StringComparer.Ordinal)
            .Select(File.ReadAllText);
        Assert.Equal(string.Concat(baselines), File.ReadAllText(output));
        Assert.Contains("VFIOGEN004", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Emit_names_a_broken_model_and_fails()
    {
        var model = Path.Combine(TemporaryTree.NewDirectory(), "broken.json");
        File.WriteAllText(model, "{ \"schema\": \"vfiosharp.uapi-model\", ");

        var (exit, _, error) = ScanRun.Run(Repository.Scanner, ["emit", model, "--namespace", "X", "--out", Path.Combine(TemporaryTree.NewDirectory(), "B.cs")]);

        Assert.Equal(1, exit);
        Assert.Contains(model, error, StringComparison.Ordinal);
    }
}
