using System.Text;
using System.Text.RegularExpressions;

namespace VfioSharp.Scanner.KernelDoc;

/// <summary>
/// The kerneldoc comments of a header, indexed by what they document. Comments are read from the
/// header text because clang attaches none to macros, and vfio.h documents each ioctl in a comment
/// above the argument struct, not above the <c>#define</c>.
/// </summary>
internal sealed partial class KernelDocIndex
{
    private readonly Dictionary<string, KernelDocBlock> _blocks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, KernelDocBlock> _byArgument = new(StringComparer.Ordinal);

    /// <summary>Reads every <c>/** ... */</c> block of <paramref name="lines"/> that starts with <c>name - </c>.</summary>
    public static KernelDocIndex Parse(IReadOnlyList<string> lines)
    {
        var index = new KernelDocIndex();
        for (var i = 0; i < lines.Count; i++)
        {
            // vfio.h opens some kerneldoc blocks with a plain "/*": those count when they start with "name -".
            var trimmed = lines[i].TrimStart();
            if (!trimmed.StartsWith("/*", StringComparison.Ordinal) || trimmed.StartsWith("/**/", StringComparison.Ordinal))
            {
                continue;
            }

            var start = i;
            var content = new List<string>();
            var first = trimmed[(trimmed.StartsWith("/**", StringComparison.Ordinal) ? 3 : 2)..];
            var closed = false;
            while (true)
            {
                var text = i == start ? first : lines[i];
                var end = text.IndexOf("*/", StringComparison.Ordinal);
                if (end >= 0)
                {
                    text = text[..end];
                    closed = true;
                }

                content.Add(StripDecoration(text));
                if (closed || i + 1 >= lines.Count)
                {
                    break;
                }

                i++;
            }

            var block = ParseBlock(content, start + 1);
            if (block is not null)
            {
                index._blocks.TryAdd(Key(block.Keyword, block.Name), block);
                if (TryReadEncoding(block.Summary, out _, out var argument) && argument is not null)
                {
                    index._byArgument.TryAdd(argument, block);
                }
            }
        }

        return index;
    }

    public IEnumerable<KernelDocBlock> Blocks => _blocks.Values;

    /// <summary>The block documenting <c>struct name</c> / <c>union name</c> / <c>enum name</c>, or a bare identifier (keyword null).</summary>
    public KernelDocBlock? Find(string? keyword, string name) =>
        _blocks.TryGetValue(Key(keyword, name), out var block) ? block : null;

    /// <summary>
    /// The block of the ioctl whose encoding names <paramref name="argument"/> (<c>struct vfio_device_info</c>):
    /// vfio.h documents a struct's members in its ioctl's comment.
    /// </summary>
    public KernelDocBlock? FindByArgument(string argument) =>
        _byArgument.TryGetValue(argument, out var block) ? block : null;

    /// <summary>Whether a summary is only a request encoding such as <c>_IOR(VFIO_TYPE, VFIO_BASE + 7, struct x)</c>.</summary>
    public static bool IsEncodingSummary(string summary) => EncodingPattern().IsMatch(summary);

    /// <summary>
    /// The argument and macro a vfio.h-style summary gives (<c>_IOWR(VFIO_TYPE, VFIO_BASE + 8, struct vfio_region_info)</c>):
    /// the third argument as spelled, or null for <c>_IO</c> with two arguments. False when the summary is not an encoding.
    /// </summary>
    public static bool TryReadEncoding(string summary, out string macro, out string? argument)
    {
        var match = EncodingPattern().Match(summary);
        if (!match.Success)
        {
            macro = string.Empty;
            argument = null;
            return false;
        }

        macro = match.Groups["macro"].Value;
        var arguments = match.Groups["arguments"].Value.Split(',');
        argument = arguments.Length >= 3 ? string.Join(",", arguments.Skip(2)).Trim() : null;
        return true;
    }

    /// <summary>The ioctl names a struct's summary claims (iommufd.h: <c>struct iommu_ioas_map - ioctl(IOMMU_IOAS_MAP)</c>).</summary>
    public static IEnumerable<string> IoctlsNamedBy(string summary) =>
        IoctlReferencePattern().Matches(summary).Select(match => match.Groups["name"].Value);

    private static string Key(string? keyword, string name) => keyword is null ? name : keyword + " " + name;

    private static string StripDecoration(string line)
    {
        var text = line.TrimStart();
        if (text.StartsWith('*'))
        {
            text = text[1..];
            if (text.StartsWith(' ') || text.StartsWith('\t'))
            {
                text = text[1..];
            }
        }

        return text.TrimEnd();
    }

    private static KernelDocBlock? ParseBlock(List<string> content, int line)
    {
        var position = 0;
        while (position < content.Count && content[position].Trim().Length == 0)
        {
            position++;
        }

        if (position == content.Count)
        {
            return null;
        }

        var header = HeaderPattern().Match(content[position].Trim());
        if (!header.Success)
        {
            return null;
        }

        var keyword = header.Groups["keyword"].Success ? header.Groups["keyword"].Value : null;
        var summary = new StringBuilder(header.Groups["summary"].Value.Trim());
        position++;

        // The summary may wrap; it ends at a blank line, at the first @member, or where an encoding's parentheses close.
        while (position < content.Count && content[position].Trim().Length > 0 && !content[position].TrimStart().StartsWith('@')
            && !(summary.ToString().TrimStart().StartsWith("_IO", StringComparison.Ordinal) && Balanced(summary.ToString())))
        {
            summary.Append(' ').Append(content[position].Trim());
            position++;
        }

        var members = new List<KeyValuePair<string, string>>();
        var body = new StringBuilder();
        string? memberName = null;
        var memberText = new StringBuilder();

        void FlushMember()
        {
            if (memberName is not null)
            {
                members.Add(new(memberName, memberText.ToString().Trim()));
                memberName = null;
                memberText.Clear();
            }
        }

        for (; position < content.Count; position++)
        {
            var text = content[position];
            var member = MemberPattern().Match(text);
            if (member.Success)
            {
                FlushMember();
                memberName = member.Groups["name"].Value;
                memberText.Append(member.Groups["text"].Value.Trim());
            }
            else if (memberName is not null && text.Trim().Length > 0 && (text.StartsWith(' ') || text.StartsWith('\t')))
            {
                memberText.Append(' ').Append(text.Trim());
            }
            else
            {
                FlushMember();
                body.Append(text.Trim().Length == 0 ? string.Empty : text).Append('\n');
            }
        }

        FlushMember();
        return new KernelDocBlock(keyword, header.Groups["name"].Value, Normalize(summary.ToString()), members, CollapseBlankLines(body.ToString()), line);
    }

    private static bool Balanced(string text) => text.Count(c => c == '(') == text.Count(c => c == ')') && text.Contains('(', StringComparison.Ordinal);

    private static string Normalize(string text) => WhitespacePattern().Replace(text, " ").Trim();

    private static string CollapseBlankLines(string text) => BlankLinesPattern().Replace(text, "\n\n").Trim('\n', ' ');

    [GeneratedRegex(@"^(?:(?<keyword>struct|union|enum)\s+)?(?<name>[A-Za-z_][A-Za-z0-9_]*)\s*-\s*(?<summary>.*)$")]
    private static partial Regex HeaderPattern();

    [GeneratedRegex(@"^@(?<name>[A-Za-z_][A-Za-z0-9_.]*)\s*:(?<text>.*)$")]
    private static partial Regex MemberPattern();

    [GeneratedRegex(@"^(?<macro>_IO|_IOR|_IOW|_IOWR)\s*\((?<arguments>.*)\)\s*$")]
    private static partial Regex EncodingPattern();

    [GeneratedRegex(@"ioctl\((?<name>[A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex IoctlReferencePattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespacePattern();

    [GeneratedRegex(@"\n{3,}")]
    private static partial Regex BlankLinesPattern();
}
