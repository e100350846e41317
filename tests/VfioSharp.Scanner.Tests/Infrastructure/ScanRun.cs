using System.Diagnostics;
using System.Text.Json;

namespace VfioSharp.Scanner.Tests.Infrastructure;

/// <summary>One run of the scanner CLI as a user runs it: exit code, output, and the model if written.</summary>
internal sealed record ScanRun(int ExitCode, string Output, string Error, string OutPath)
{
    public bool ModelWritten => File.Exists(OutPath);

    public string ModelText => File.ReadAllText(OutPath);

    public JsonElement Model => JsonDocument.Parse(ModelText).RootElement;

    public static ScanRun Start(string root, IEnumerable<string> headers, bool strict = false, string? outPath = null)
    {
        outPath ??= Path.Combine(TemporaryTree.NewDirectory(), "model.json");
        var arguments = new List<string> { "scan", "--root", root };
        foreach (var header in headers)
        {
            arguments.Add("--header");
            arguments.Add(header);
        }

        arguments.Add("--out");
        arguments.Add(outPath);
        if (strict)
        {
            arguments.Add("--strict");
        }

        var (exitCode, output, error) = Run(Repository.Scanner, arguments);
        return new ScanRun(exitCode, output, error, outPath);
    }

    public static (int ExitCode, string Output, string Error) Run(string program, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + program);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish in 120 s");
        }

        return (process.ExitCode, output.Result, error.Result);
    }
}
