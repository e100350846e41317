using System.Collections.Generic;

namespace VfioSharp.Model.HeaderSets
{
    /// <summary>How a header set was scanned.</summary>
    public sealed record HeaderSetInfo
    {
        /// <summary>Contents of the tree's <c>version</c> file (e.g. <c>v6.17</c>), or null when it has none.</summary>
        public string? Version { get; init; }

        /// <summary>The scanned headers, relative to the include root, in the order given.</summary>
        public required IReadOnlyList<string> Headers { get; init; }

        /// <summary>The clang target triple the layout was computed for.</summary>
        public required string Target { get; init; }

        /// <summary>The compiler arguments, with the include root spelled <c>&lt;root&gt;</c>.</summary>
        public required IReadOnlyList<string> Arguments { get; init; }

        /// <summary>libclang's version string.</summary>
        public required string Libclang { get; init; }
    }
}
