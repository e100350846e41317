using VfioSharp.Scanner.Tests.Infrastructure;

namespace VfioSharp.Scanner.Tests.Determinism;

public sealed class DeterminismTests
{
    [Fact]
    public void The_same_headers_give_byte_identical_models_wherever_the_tree_lives()
    {
        var original = ScannedModels.Get(HeaderSets.Linux617).Run;

        // A copy of the tree at another absolute path: nothing machine-specific may reach the model.
        var copy = TemporaryTree.NewDirectory();
        foreach (var file in Directory.EnumerateFiles(Repository.Headers("linux-6.17"), "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(Repository.Headers("linux-6.17"), file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        var again = ScanRun.Start(copy, ["linux/vfio.h", "linux/iommufd.h"], strict: true);

        Assert.Equal(0, again.ExitCode);
        Assert.Equal(original.ModelText, again.ModelText);
        Assert.DoesNotContain(copy, again.ModelText, StringComparison.Ordinal);
        Assert.DoesNotContain(Repository.Root, original.ModelText, StringComparison.Ordinal);
    }

    [Fact]
    public void The_model_is_versioned_json_with_the_documented_top_level_arrays()
    {
        var model = ScannedModels.Get(HeaderSets.Linux617).Run.Model;

        Assert.Equal("vfiosharp.uapi-model", model.GetProperty("schema").GetString());
        Assert.Equal(1, model.GetProperty("schemaVersion").GetInt32());
        foreach (var array in new[] { "inputs", "records", "enums", "macros", "unevaluatedMacros", "ioctls", "reports" })
        {
            Assert.Equal(System.Text.Json.JsonValueKind.Array, model.GetProperty(array).ValueKind);
        }
    }
}
