using VfioSharp.Kernel;

namespace VfioSharp.Tool.Tests.Machines;

/// <summary>One run of the vfiosharp command line in this process, against a given kernel, with what it printed.</summary>
internal sealed record ToolRun(int ExitCode, string Output, string Error)
{
    /// <summary>An environment with no libclang anywhere: what a test that doesn't scan hands in.</summary>
    public static readonly ToolEnvironment NoLibClang = new(LibClangVariable: null, NuGetPackagesVariable: "/nonexistent/nuget", Home: "/nonexistent");

    public static ToolRun Of(IKernel kernel, params string[] args) => Of(kernel, NoLibClang, args);

    public static ToolRun Of(IKernel kernel, ToolEnvironment environment, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = ToolCommandLine.RunAsync(args, kernel, environment, output, error).GetAwaiter().GetResult();
        return new ToolRun(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>The cells of the devices table's row for <paramref name="address"/> (columns are separated by two or more spaces).</summary>
    public string[] Row(string address)
    {
        var line = Output.Split('\n').Single(l => l.StartsWith(address, StringComparison.Ordinal));
        return System.Text.RegularExpressions.Regex.Split(line.TrimEnd(), " {2,}");
    }
}
