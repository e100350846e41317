using System.Text;
using VfioSharp.Model.Json;
using VfioSharp.Model.Reports;
using VfioSharp.Scanner.Scanning;

namespace VfioSharp.Cli;

/// <summary><c>vfiosharp scan</c>: headers → model.json.</summary>
internal static class ScanCommand
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        string? root = null;
        string? outPath = null;
        var headers = new List<string>();
        var strict = false;
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            try
            {
                switch (args[i])
                {
                    case "--root": root = Value(); break;
                    case "--header": headers.Add(Value()); break;
                    case "--out": outPath = Value(); break;
                    case "--strict": strict = true; break;
                    default: return CommandLine.Fail(error, $"scan: unknown option '{args[i]}'");
                }
            }
            catch (ArgumentException exception)
            {
                return CommandLine.Fail(error, "scan: " + exception.Message);
            }
        }

        if (root is null || outPath is null || headers.Count == 0)
        {
            return CommandLine.Fail(error, "scan: --root, --out and at least one --header are required");
        }

        try
        {
            var model = HeaderScanner.Scan(new ScanRequest(root, headers, strict));
            foreach (var report in model.Reports)
            {
                error.WriteLine(report);
            }

            WriteAtomically(outPath, ModelJsonWriter.Write(model));
            output.WriteLine($"{outPath}: {model.Records.Count} records, {model.Enums.Count} enums, {model.Macros.Count} macros, {model.Ioctls.Count} ioctls, {model.Reports.Count} warnings");
            return CommandLine.Success;
        }
        catch (ScanException exception)
        {
            foreach (var report in exception.Errors)
            {
                error.WriteLine(report);
            }

            error.WriteLine($"vfiosharp: scan failed with {exception.Errors.Count} error(s); no model was written");
            return CommandLine.Failure;
        }
    }

    /// <summary>Writes through a temporary file so that a failed or interrupted write never leaves half a model.</summary>
    private static void WriteAtomically(string path, string text)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = full + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(temporary, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        File.Move(temporary, full, overwrite: true);
    }
}
