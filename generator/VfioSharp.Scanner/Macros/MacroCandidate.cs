using VfioSharp.Model;

namespace VfioSharp.Scanner.Macros;

/// <summary>An object-like macro with a non-empty body, defined in a scanned header.</summary>
internal sealed record MacroCandidate(string Name, SourceLocation Location);
