using VfioSharp.Scanner.Tests.Infrastructure;

namespace VfioSharp.Scanner.Tests.BadInput;

/// <summary>
/// A corpus of broken header sets: each must fail with a non-zero exit, a message that names the
/// header and line (and the scanner's code for the kind of problem), and no model on disk.
/// </summary>
public sealed class BrokenHeaderTests
{
    /// <summary>Case name → header text, the line the error must name, and the code.</summary>
    public static TheoryData<string, string, int, string> Cases => new()
    {
        { "syntax-error", "#include <linux/types.h>\nstruct broken {\n\t__u32 a\n\t__u32 b;\n};\n", 3, "VSCAN002" },
        { "missing-include", "/* guard */\n#include <linux/does_not_exist.h>\nstruct fine { int a; };\n", 2, "VSCAN002" },
        { "error-directive", "#include <linux/types.h>\n\n#error \"this header is not for you\"\n", 3, "VSCAN002" },
        { "incomplete-member", "struct holder {\n\tint a;\n\tstruct never_defined inner;\n};\n", 3, "VSCAN002" },
        { "unterminated-comment", "struct fine { int a; };\n/* never closed\nstruct other { int b; };\n", 2, "VSCAN002" },
        { "unknown-type", "struct uses_unknown {\n\t__u32 not_included;\n};\n", 2, "VSCAN002" },
        { "long-double", "struct wide_float {\n\tint a;\n\tlong double b;\n};\n", 3, "VSCAN004" },
        { "vector", "typedef int v4si __attribute__((vector_size(16)));\nstruct simd {\n\tv4si lanes;\n};\n", 3, "VSCAN004" },
        { "complex", "struct complex_number {\n\t_Complex double z;\n};\n", 2, "VSCAN004" },
        { "atomic", "struct counter {\n\tint plain;\n\t_Atomic int shared;\n};\n", 3, "VSCAN004" },
        { "undetermined-ioctl", "#include <linux/ioctl.h>\n#define BROKEN_MAGIC 'B'\n#define BROKEN_KICK _IO(BROKEN_MAGIC, 1)\n", 3, "VSCAN201" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_broken_header_fails_with_its_line_and_writes_no_model(string name, string text, int line, string code)
    {
        var root = TemporaryTree.WithClosure();
        var header = "broken/" + name + ".h";
        TemporaryTree.Write(root, header, text);

        var run = ScanRun.Start(root, [header], strict: true);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains($"{header}:{line}: error {code}", run.Error, StringComparison.Ordinal);
        Assert.False(run.ModelWritten, "a failed scan must not write a model");
    }

    [Fact]
    public void Without_strict_an_undetermined_ioctl_is_a_warning_and_the_model_is_written()
    {
        var root = TemporaryTree.WithClosure();
        TemporaryTree.Write(root, "lenient/kick.h", "#include <linux/ioctl.h>\n#define LENIENT_KICK _IO('L', 1)\n");

        var run = ScanRun.Start(root, ["lenient/kick.h"], strict: false);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("lenient/kick.h:2: warning VSCAN201", run.Error, StringComparison.Ordinal);
        var ioctl = Assert.Single(run.Model.GetProperty("ioctls").EnumerateArray());
        Assert.Equal("undetermined", ioctl.GetProperty("argumentKind").GetString());
    }

    [Fact]
    public void A_missing_header_is_named_and_nothing_is_written()
    {
        var run = ScanRun.Start(Repository.Headers("linux-6.17"), ["linux/vfio.h", "linux/not_a_header.h"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("linux/not_a_header.h: error VSCAN001", run.Error, StringComparison.Ordinal);
        Assert.False(run.ModelWritten);
    }

    [Fact]
    public void A_header_outside_the_root_is_refused()
    {
        var run = ScanRun.Start(Repository.Headers("linux-6.17"), ["../linux-6.12/linux/vfio.h"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("is outside the include root", run.Error, StringComparison.Ordinal);
        Assert.False(run.ModelWritten);
    }

    [Fact]
    public void A_missing_root_is_named()
    {
        var run = ScanRun.Start("/nonexistent/vfiosharp/root", ["linux/vfio.h"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("include root '/nonexistent/vfiosharp/root' does not exist", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_include_that_reaches_outside_the_tree_is_refused()
    {
        var outside = TemporaryTree.NewDirectory();
        File.WriteAllText(Path.Combine(outside, "outside.h"), "struct from_outside { int a; };\n");
        var root = TemporaryTree.WithClosure();
        TemporaryTree.Write(root, "escape/escape.h", $"#include \"{Path.Combine(outside, "outside.h")}\"\nstruct inside {{ struct from_outside o; }};\n");

        var run = ScanRun.Start(root, ["escape/escape.h"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("VSCAN003", run.Error, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(outside, "outside.h"), run.Error, StringComparison.Ordinal);
        Assert.False(run.ModelWritten);
    }

    [Fact]
    public void Usage_errors_exit_with_2_and_say_what_is_missing()
    {
        var (exit, _, error) = ScanRun.Run(Repository.Scanner, ["scan", "--root", Repository.Headers("linux-6.17")]);

        Assert.Equal(2, exit);
        Assert.Contains("--root, --out and at least one --header are required", error, StringComparison.Ordinal);
    }
}
