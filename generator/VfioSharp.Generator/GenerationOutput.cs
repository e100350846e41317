using System.Collections.Generic;
using System.Linq;

namespace VfioSharp.Generator
{
    /// <summary>What one model produced: source texts and diagnostics, as plain data (value-equal).</summary>
    internal sealed class GenerationOutput : System.IEquatable<GenerationOutput>
    {
        public GenerationOutput(IReadOnlyList<(string HintName, string Text)> sources, IReadOnlyList<DiagnosticInfo> diagnostics)
        {
            Sources = sources;
            Diagnostics = diagnostics;
        }

        public IReadOnlyList<(string HintName, string Text)> Sources { get; }

        public IReadOnlyList<DiagnosticInfo> Diagnostics { get; }

        public bool Equals(GenerationOutput? other) =>
            other is not null && Sources.SequenceEqual(other.Sources) && Diagnostics.SequenceEqual(other.Diagnostics);

        public override bool Equals(object? obj) => Equals(obj as GenerationOutput);

        public override int GetHashCode() => Sources.Count * 397 ^ Diagnostics.Count;
    }
}
