using System.Text.RegularExpressions;

namespace VfioSharp.Scanner.Macros;

/// <summary>Reads a macro's replacement text from the header, to tell empty definitions apart.</summary>
internal static partial class MacroBody
{
    /// <summary>Whether the <c>#define name</c> at 1-based <paramref name="line"/> has no replacement tokens.</summary>
    public static bool IsEmpty(IReadOnlyList<string> lines, int line, string name)
    {
        if (line < 1 || line > lines.Count)
        {
            return false;
        }

        var text = lines[line - 1];
        for (var next = line; text.TrimEnd().EndsWith('\\') && next < lines.Count; next++)
        {
            text = text.TrimEnd()[..^1] + " " + lines[next];
        }

        var match = DefinePattern().Match(text);
        if (!match.Success || match.Groups["name"].Value != name)
        {
            return false;
        }

        var body = CommentPattern().Replace(match.Groups["body"].Value, " ");
        var lineComment = body.IndexOf("//", StringComparison.Ordinal);
        if (lineComment >= 0)
        {
            body = body[..lineComment];
        }

        return body.Trim().Length == 0;
    }

    [GeneratedRegex(@"^\s*#\s*define\s+(?<name>[A-Za-z_][A-Za-z0-9_]*)(?<body>.*)$")]
    private static partial Regex DefinePattern();

    [GeneratedRegex(@"/\*.*?\*/")]
    private static partial Regex CommentPattern();
}
