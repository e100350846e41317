using VfioSharp.Emitter;
using VfioSharp.Generator.Tests.Infrastructure;
using VfioSharp.Model.Json;
using VfioSharp.Scanner.Tests.Infrastructure;

namespace VfioSharp.Generator.Tests.Baselines;

/// <summary>
/// The emitted code of the edge-case header, checked in: a change to the emitter shows up as a diff a
/// reviewer reads. These detect change; the layout tests prove correctness.
/// Set VFIOSHARP_UPDATE_BASELINES=1 to rewrite them after an intended change.
/// </summary>
public sealed class BaselineTests
{
    [Fact]
    public void The_edge_case_bindings_match_their_reviewed_baseline()
    {
        var model = ModelJsonReader.Read(ScannedModels.Get(HeaderSets.EdgeCases).Run.ModelText);
        var result = BindingsEmitter.Emit(model, new EmitOptions("Edge.Uapi", isPublic: true));

        var differences = new List<string>();
        foreach (var file in result.Files)
        {
            var source = Path.Combine(Repository.Root, "tests", "VfioSharp.Generator.Tests", "Baselines", "edge", file.HintName + ".txt");
            if (Environment.GetEnvironmentVariable("VFIOSHARP_UPDATE_BASELINES") == "1")
            {
                Directory.CreateDirectory(Path.GetDirectoryName(source)!);
                File.WriteAllText(source, file.Text);
                continue;
            }

            if (!File.Exists(source) || File.ReadAllText(source) != file.Text)
            {
                differences.Add(file.HintName);
            }
        }

        Assert.True(differences.Count == 0,
            "the emitted code differs from the baselines in " + string.Join(", ", differences) +
            ": review the change, then run the tests with VFIOSHARP_UPDATE_BASELINES=1 and commit the new baselines");
    }
}
