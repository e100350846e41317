using System.Collections.Generic;

namespace VfioSharp.Model.Enums
{
    /// <summary>A C enum and its constants.</summary>
    public sealed record EnumModel
    {
        /// <summary>The C tag, or null for an anonymous enum (its constants still belong to the model).</summary>
        public string? Name { get; init; }

        /// <summary>The enum's integer type as clang computes it (<c>unsigned int</c>, <c>int</c>, ...).</summary>
        public required string UnderlyingType { get; init; }

        /// <summary>Whether <see cref="UnderlyingType"/> is signed.</summary>
        public required bool Signed { get; init; }

        /// <summary>Constants in declaration order.</summary>
        public required IReadOnlyList<EnumConstantModel> Constants { get; init; }

        /// <summary>Where the enum is defined.</summary>
        public required SourceLocation Location { get; init; }

        /// <summary>Kerneldoc text, or null.</summary>
        public string? Doc { get; init; }
    }
}
