using System.Text.RegularExpressions;

namespace VfioSharp.Scanner.Tests.Completeness;

/// <summary>
/// What a header defines, read from its text with no compiler: the independent count that the model's
/// completeness is checked against.
/// </summary>
internal static partial class HeaderText
{
    /// <summary>The header's text with comments removed and backslash-continued lines joined.</summary>
    public static string Code(string path)
    {
        var text = File.ReadAllText(path);
        text = BlockComment().Replace(text, match => new string('\n', match.Value.Count(c => c == '\n')));
        text = LineComment().Replace(text, string.Empty);
        return text.Replace("\\\n", " ", StringComparison.Ordinal);
    }

    /// <summary>Tags of every <c>struct tag {</c> / <c>union tag {</c>: records with a body.</summary>
    public static HashSet<string> TaggedRecordsWithBody(string code) =>
        TaggedBody().Matches(code).Select(m => m.Groups["tag"].Value).ToHashSet(StringComparer.Ordinal);

    /// <summary>How many <c>struct {</c> / <c>union {</c> without a tag the text has.</summary>
    public static int UntaggedRecordBodies(string code) => UntaggedBody().Count(code);

    /// <summary>Names of every <c>#define NAME _IO/_IOR/_IOW/_IOWR(</c>.</summary>
    public static HashSet<string> IoctlMacros(string code) =>
        IoctlDefine().Matches(code).Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex BlockComment();

    [GeneratedRegex(@"//[^\n]*")]
    private static partial Regex LineComment();

    [GeneratedRegex(@"\b(?:struct|union)\s+(?<tag>[A-Za-z_]\w*)\s*\{")]
    private static partial Regex TaggedBody();

    [GeneratedRegex(@"\b(?:struct|union)\s*\{")]
    private static partial Regex UntaggedBody();

    [GeneratedRegex(@"^[ \t]*#[ \t]*define[ \t]+(?<name>[A-Za-z_]\w*)[ \t]+_IO(?:R|W|WR)?[ \t]*\(", RegexOptions.Multiline)]
    private static partial Regex IoctlDefine();
}
