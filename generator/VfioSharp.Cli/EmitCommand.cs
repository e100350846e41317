using System.Text;
using VfioSharp.Emitter;
using VfioSharp.Model.Json;

namespace VfioSharp.Cli;

/// <summary><c>vfiosharp emit</c>: model.json → the C# that the generator adds to a compilation, as one file.</summary>
internal static class EmitCommand
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        string? model = null;
        string? ns = null;
        string? outPath = null;
        var isPublic = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--namespace" when i + 1 < args.Length: ns = args[++i]; break;
                case "--out" when i + 1 < args.Length: outPath = args[++i]; break;
                case "--public": isPublic = true; break;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal) || model is not null)
                    {
                        return CommandLine.Fail(error, $"emit: unexpected argument '{args[i]}'");
                    }

                    model = args[i];
                    break;
            }
        }

        if (model is null || ns is null || outPath is null)
        {
            return CommandLine.Fail(error, "emit: a model, --namespace and --out are required");
        }

        string text;
        try
        {
            text = File.ReadAllText(model);
        }
        catch (IOException exception)
        {
            error.WriteLine($"vfiosharp: emit: cannot read '{model}': {exception.Message}");
            return CommandLine.Failure;
        }

        Model.UapiModel parsed;
        try
        {
            parsed = ModelJsonReader.Read(text);
        }
        catch (ModelFormatException exception)
        {
            error.WriteLine($"{model}: error: {exception.Message}");
            return CommandLine.Failure;
        }

        var result = BindingsEmitter.Emit(parsed, new EmitOptions(ns, isPublic));
        foreach (var diagnostic in result.Diagnostics)
        {
            error.WriteLine(diagnostic);
        }

        // The generator's files, verbatim and in its order: each has a block namespace, so they concatenate.
        var bindings = string.Concat(result.Files.Select(file => file.Text));
        File.WriteAllText(outPath, bindings, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        output.WriteLine($"{outPath}: {result.Files.Count} generated files, {bindings.Split('\n').Length} lines, {result.Diagnostics.Count} diagnostics");
        return result.Diagnostics.Any(d => d.IsError) ? CommandLine.Failure : CommandLine.Success;
    }
}
