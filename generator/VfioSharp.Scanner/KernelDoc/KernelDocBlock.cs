namespace VfioSharp.Scanner.KernelDoc;

/// <summary>
/// One kerneldoc comment (<c>/** name - summary ... */</c>): what it documents, its summary line,
/// its <c>@member:</c> entries and its free text.
/// </summary>
/// <param name="Keyword"><c>struct</c>, <c>union</c>, <c>enum</c>, or null for a macro/ioctl/function name.</param>
/// <param name="Name">The documented identifier.</param>
/// <param name="Summary">The text after <c>name -</c>, continuation lines joined with single spaces.</param>
/// <param name="Members">The <c>@member:</c> entries, in order.</param>
/// <param name="Body">The remaining text, paragraphs kept.</param>
/// <param name="Line">The 1-based line of <c>/**</c>.</param>
internal sealed record KernelDocBlock(
    string? Keyword,
    string Name,
    string Summary,
    IReadOnlyList<KeyValuePair<string, string>> Members,
    string Body,
    int Line)
{
    /// <summary>The member's text, or null.</summary>
    public string? Member(string name)
    {
        foreach (var member in Members)
        {
            if (member.Key == name)
            {
                return member.Value;
            }
        }

        return null;
    }

    /// <summary>
    /// The text a reader of the bindings wants: the summary and body, except that a summary which only
    /// restates the request encoding (vfio.h's <c>_IOR(VFIO_TYPE, ...)</c>) is left out.
    /// </summary>
    public string Text
    {
        get
        {
            var summary = KernelDocIndex.IsEncodingSummary(Summary) ? string.Empty : Summary;
            if (summary.Length == 0)
            {
                return Body;
            }

            return Body.Length == 0 ? summary : summary + "\n\n" + Body;
        }
    }
}
