using System.Diagnostics;

namespace VfioSharp.Model.Tests.Infrastructure;

/// <summary>One run of the <c>vfiosharp</c> CLI as a user runs it.</summary>
internal sealed record CliRun(int ExitCode, string Output, string Error)
{
    public static CliRun Start(params string[] arguments)
    {
        var start = new ProcessStartInfo(Repository.Cli)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + Repository.Cli);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"vfiosharp {string.Join(' ', arguments)} did not finish in 120 s");
        }

        return new CliRun(process.ExitCode, output.Result, error.Result);
    }
}
