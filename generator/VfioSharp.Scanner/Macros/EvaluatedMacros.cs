using VfioSharp.Model.Macros;

namespace VfioSharp.Scanner.Macros;

/// <summary>The outcome of evaluating a header set's macros.</summary>
internal sealed record EvaluatedMacros(
    IReadOnlyList<(MacroCandidate Candidate, MacroModel Value)> Values,
    IReadOnlyList<UnevaluatedMacro> Unevaluated,
    IReadOnlyDictionary<string, IoctlProbe> Probes);
