using VfioSharp.Model;
using VfioSharp.Model.Diffs;
using VfioSharp.Model.Json;

namespace VfioSharp.Cli;

/// <summary><c>vfiosharp diff old.json new.json</c>: what changed between two header versions.</summary>
internal static class DiffCommand
{
    /// <summary>The headings of the groups, in the order <see cref="ModelDiff.Compare"/> lists them.</summary>
    private static readonly (string Heading, ModelElementKind[] Elements)[] Groups =
    [
        ("records", [ModelElementKind.Struct, ModelElementKind.Union]),
        ("fields", [ModelElementKind.Field]),
        ("enums", [ModelElementKind.Enum]),
        ("enum constants", [ModelElementKind.EnumConstant]),
        ("macros", [ModelElementKind.Macro]),
        ("ioctls", [ModelElementKind.Ioctl]),
    ];

    /// <summary>Exit code when the models differ, as diff(1) has it.</summary>
    public const int Different = 1;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var paths = new List<string>();
        var includeDocumentation = false;
        foreach (var argument in args)
        {
            if (argument == "--docs")
            {
                includeDocumentation = true;
            }
            else if (argument.StartsWith('-') && argument != "-")
            {
                return CommandLine.Fail(error, $"diff: unknown option '{argument}'");
            }
            else
            {
                paths.Add(argument);
            }
        }

        if (paths.Count != 2)
        {
            return CommandLine.Fail(error, "diff: expected two models, old and new");
        }

        if (!TryRead(paths[0], error, out var oldModel) || !TryRead(paths[1], error, out var newModel))
        {
            return CommandLine.Usage;
        }

        var changes = ModelDiff.Compare(oldModel, newModel, includeDocumentation);
        output.WriteLine($"--- {paths[0]} ({oldModel.HeaderSet.Version ?? "no version"})");
        output.WriteLine($"+++ {paths[1]} ({newModel.HeaderSet.Version ?? "no version"})");
        foreach (var (heading, elements) in Groups)
        {
            var lines = changes.Where(change => elements.Contains(change.Element)).ToList();
            if (lines.Count == 0)
            {
                continue;
            }

            output.WriteLine();
            output.WriteLine(heading + ":");
            foreach (var change in lines)
            {
                output.WriteLine(change);
            }
        }

        output.WriteLine();
        output.WriteLine(Summary(changes));
        return changes.Count == 0 ? CommandLine.Success : Different;
    }

    /// <summary><c>95 differences (70 added, 3 removed, 22 changed), 10 ABI-relevant</c>.</summary>
    public static string Summary(IReadOnlyList<ModelChange> changes)
    {
        if (changes.Count == 0)
        {
            return "no differences";
        }

        int Count(ChangeKind kind) => changes.Count(change => change.Kind == kind);
        return $"{changes.Count} difference{(changes.Count == 1 ? "" : "s")} ({Count(ChangeKind.Added)} added, {Count(ChangeKind.Removed)} removed, "
            + $"{Count(ChangeKind.Changed)} changed), {changes.Count(change => change.AbiRelevant)} ABI-relevant";
    }

    private static bool TryRead(string path, TextWriter error, out UapiModel model)
    {
        model = null!;
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"vfiosharp: diff: cannot read {path}: {exception.Message}");
            return false;
        }

        try
        {
            model = ModelJsonReader.Read(text);
            return true;
        }
        catch (ModelFormatException exception)
        {
            error.WriteLine($"vfiosharp: diff: {path}: {exception.Message}");
            return false;
        }
    }
}
