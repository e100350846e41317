using VfioSharp.Tool.Tests.Machines;

namespace VfioSharp.Tool.Tests.Readme;

/// <summary>
/// README.md's example of the tool is a real run: its <c>$ vfiosharp ...</c> lines are replayed on the simulated 6.17
/// machine README describes, and what each printed (output, then errors) must be the text that follows it.
/// </summary>
public sealed class ReadmeExampleTests
{
    private const string Start = "```text\n$ vfiosharp ";

    [Fact]
    public void The_readme_example_is_what_the_tool_prints_on_the_simulated_machine()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        var begin = readme.IndexOf(Start, StringComparison.Ordinal);
        Assert.True(begin >= 0, "README.md has an example that starts with ```text and $ vfiosharp");
        var block = readme[(begin + "```text\n".Length)..readme.IndexOf("\n```", begin + Start.Length, StringComparison.Ordinal)];

        var kernel = SimulatedMachine.Linux617();
        var replayed = new System.Text.StringBuilder();
        foreach (var line in block.Split('\n').Where(l => l.StartsWith("$ vfiosharp ", StringComparison.Ordinal)))
        {
            var run = ToolRun.Of(kernel, line["$ vfiosharp ".Length..].Split(' '));
            replayed.Append(line).Append('\n').Append(run.Output).Append(run.Error);
        }

        Assert.Equal(replayed.ToString().TrimEnd(), block.TrimEnd());
    }
}
