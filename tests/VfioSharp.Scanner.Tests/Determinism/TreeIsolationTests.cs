using System.Text.Json;
using VfioSharp.Scanner.Tests.Infrastructure;

namespace VfioSharp.Scanner.Tests.Determinism;

public sealed class TreeIsolationTests
{
    [Theory]
    [MemberData(nameof(HeaderSets.Vendored), MemberType = typeof(HeaderSets))]
    public void The_parse_reads_exactly_the_files_gcc_includes_from_the_tree(string set)
    {
        var (root, headers, run) = ScannedModels.Get(set);
        var inputs = run.Model.GetProperty("inputs").EnumerateArray().Select(i => i.GetProperty("path").GetString()!).Order().ToList();

        // gcc -M lists every file the preprocessor opens: the independent account of the closure.
        var source = Path.Combine(TemporaryTree.NewDirectory(), "closure.c");
        File.WriteAllText(source, string.Concat(headers.Select(h => $"#include <{h}>\n")));
        var (exit, output, error) = ScanRun.Run("gcc", ["-nostdinc", "-I" + Path.Combine(root, "x86_64-linux-gnu"), "-I" + root, "-M", source]);
        Assert.True(exit == 0, error);
        var gccFiles = output.Replace("\\\n", " ", StringComparison.Ordinal)
            .Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries)
            .Where(token => token.EndsWith(".h", StringComparison.Ordinal))
            .Select(path => Path.GetRelativePath(root, path).Replace('\\', '/'))
            .Order()
            .ToList();

        Assert.Equal(gccFiles, inputs);
        Assert.All(inputs, path => Assert.False(path.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(path)));
    }

    [Fact]
    public void A_tree_without_its_closure_fails_instead_of_reading_the_machines_headers()
    {
        // /usr/include/linux/types.h exists on the build machine; the scanner must not find it.
        Assert.True(File.Exists("/usr/include/linux/types.h"), "precondition: the machine has its own uapi headers");
        var root = TemporaryTree.NewDirectory();
        TemporaryTree.Write(root, "linux/vfio.h", File.ReadAllText(Path.Combine(Repository.Headers("linux-6.17"), "linux", "vfio.h")));

        var run = ScanRun.Start(root, ["linux/vfio.h"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("'linux/types.h' file not found", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_model_records_the_isolating_arguments_and_the_target()
    {
        var headerSet = ScannedModels.Get(HeaderSets.Linux617).Run.Model.GetProperty("headerSet");
        var arguments = headerSet.GetProperty("arguments").EnumerateArray().Select(a => a.GetString()).ToList();

        Assert.Contains("-nostdinc", arguments);
        Assert.Contains("-I<root>", arguments);
        Assert.Contains("-I<root>/x86_64-linux-gnu", arguments);
        Assert.Equal("x86_64-linux-gnu", headerSet.GetProperty("target").GetString());
        Assert.Equal("v6.17", headerSet.GetProperty("version").GetString());
    }
}
