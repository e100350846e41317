using VfioSharp.Model.Diffs;
using VfioSharp.Model.Tests.Infrastructure;

namespace VfioSharp.Model.Tests.Cli;

/// <summary><c>vfiosharp diff</c> run as a user runs it: its output, and exit codes as diff(1) has them.</summary>
public sealed class DiffCommandTests
{
    private static string Old => VendoredModels.PathOf(VendoredModels.Linux612);

    private static string New => VendoredModels.PathOf(VendoredModels.Linux617);

    [Fact]
    public void Two_versions_differ_with_exit_code_1_grouped_by_kind()
    {
        var run = CliRun.Start("diff", Old, New);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Error);
        var lines = run.Output.Split('\n');
        Assert.Equal($"--- {Old} (v6.12.117)", lines[0]);
        Assert.Equal($"+++ {New} (v6.17)", lines[1]);
        var headings = lines.Where(line => line.EndsWith(':') && !line.StartsWith('~')).ToArray();
        Assert.Equal(["records:", "fields:", "enums:", "enum constants:", "macros:", "ioctls:"], headings);
        Assert.Contains("~ struct vfio_device_bind_iommufd: size 16 -> 24, alignment 4 -> 8 [ABI]", lines);
        Assert.Contains("- macro VFIO_TYPE1_NESTING_IOMMU = 6 (int)", lines);
        Assert.DoesNotContain(lines, line => line.Contains("doc changed", StringComparison.Ordinal));
    }

    [Fact]
    public void The_summary_counts_what_the_diff_lists()
    {
        var run = CliRun.Start("diff", Old, New);
        var listed = run.Output.Split('\n').Where(line => line.Length > 2 && line[1] == ' ' && line[0] is '+' or '-' or '~' && !line.StartsWith("--- ", StringComparison.Ordinal) && !line.StartsWith("+++ ", StringComparison.Ordinal)).ToArray();
        var added = listed.Count(line => line[0] == '+');
        var removed = listed.Count(line => line[0] == '-');
        var changed = listed.Count(line => line[0] == '~');
        var abi = listed.Count(line => line.EndsWith(" [ABI]", StringComparison.Ordinal));

        Assert.Equal($"{listed.Length} differences ({added} added, {removed} removed, {changed} changed), {abi} ABI-relevant", run.Output.TrimEnd('\n').Split('\n')[^1]);
        Assert.Equal(ModelDiff.Compare(VendoredModels.Read(VendoredModels.Linux612), VendoredModels.Read(VendoredModels.Linux617)).Count, listed.Length);
    }

    [Fact]
    public void The_readme_shows_the_real_summary_and_lines()
    {
        var run = CliRun.Start("diff", Old, New);
        var lines = run.Output.TrimEnd('\n').Split('\n');
        var readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        var section = readme[readme.IndexOf("## Diffing header versions", StringComparison.Ordinal)..];
        var example = section[(section.IndexOf("```text\n", StringComparison.Ordinal) + 8)..];
        example = example[..example.IndexOf("```", StringComparison.Ordinal)];

        var shown = example.TrimEnd('\n').Split('\n');

        Assert.Equal(lines[^1], shown[^1]);
        Assert.All(shown[..^1].Where(line => line != "..."), line => Assert.Contains(line, lines));
    }

    [Fact]
    public void Docs_adds_comment_changes()
    {
        var run = CliRun.Start("diff", "--docs", Old, New);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("~ constant IOMMU_HW_INFO_TYPE_NONE: doc changed", run.Output.Split('\n'));
    }

    [Theory]
    [MemberData(nameof(VendoredModels.All), MemberType = typeof(VendoredModels))]
    public void A_model_against_itself_has_no_differences_and_exit_code_0(string version)
    {
        var path = VendoredModels.PathOf(version);

        var run = CliRun.Start("diff", "--docs", path, path);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("no differences", run.Output.TrimEnd('\n').Split('\n')[^1]);
    }

    [Theory]
    [InlineData]
    [InlineData("only-one.json")]
    [InlineData("a.json", "b.json", "c.json")]
    [InlineData("--html", "a.json", "b.json")]
    public void Usage_errors_exit_with_2(params string[] arguments)
    {
        var run = CliRun.Start(["diff", .. arguments]);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("vfiosharp: diff: ", run.Error, StringComparison.Ordinal);
        Assert.Contains("usage:", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_model_exits_with_2_naming_the_file()
    {
        var missing = Path.Combine(Repository.NewTemporaryDirectory(), "missing.json");

        var run = CliRun.Start("diff", Old, missing);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith($"vfiosharp: diff: cannot read {missing}: ", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Output);
    }

    [Fact]
    public void A_model_of_another_schema_version_exits_with_2_naming_the_file_and_the_place()
    {
        var newer = Path.Combine(Repository.NewTemporaryDirectory(), "newer.json");
        File.WriteAllText(newer, File.ReadAllText(New).Replace("\"schemaVersion\": 1,", "\"schemaVersion\": 2,", StringComparison.Ordinal));

        var run = CliRun.Start("diff", newer, New);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(
            $"vfiosharp: diff: {newer}: line 3, column 20 ($.schemaVersion): the model has schemaVersion 2; this reader reads schemaVersion 1 (rescan the headers with the matching vfiosharp)\n",
            run.Error);
    }
}
