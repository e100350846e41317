using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;

namespace VfioSharp.Bench.AnalyzersInProcess;

/// <summary>
/// The analyzers' findings on the corpus as text, one <c>ID file(line,column)</c> a line, sorted: what a
/// change that only makes the rules faster must leave exactly as it was.
/// </summary>
internal static class DiagnosticSites
{
    public static string[] Of(ImmutableArray<Diagnostic> diagnostics) => diagnostics
        .Where(diagnostic => diagnostic.Id.StartsWith("VFIO", StringComparison.Ordinal))
        .Select(diagnostic =>
        {
            var span = diagnostic.Location.GetLineSpan();
            return string.Create(CultureInfo.InvariantCulture,
                $"{diagnostic.Id} {span.Path}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1})");
        })
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>Lines only in <paramref name="expected"/> (prefixed "-") and only in <paramref name="actual"/> ("+").</summary>
    public static string[] Difference(IReadOnlyCollection<string> expected, IReadOnlyCollection<string> actual) =>
        expected.Except(actual, StringComparer.Ordinal).Select(line => "- " + line)
            .Concat(actual.Except(expected, StringComparer.Ordinal).Select(line => "+ " + line))
            .ToArray();

    public static string Counts(IEnumerable<string> sites) => string.Join(", ", sites
        .GroupBy(site => site[..site.IndexOf(' ', StringComparison.Ordinal)], StringComparer.Ordinal)
        .OrderBy(group => group.Key, StringComparer.Ordinal)
        .Select(group => string.Create(CultureInfo.InvariantCulture, $"{group.Key} {group.Count()}")));
}
