using System.Collections.Generic;

namespace VfioSharp.Model.Records
{
    /// <summary>A named member of a record. Unnamed bitfields (padding such as <c>:0</c>) are not listed.</summary>
    public sealed record FieldModel
    {
        /// <summary>The C name.</summary>
        public required string Name { get; init; }

        /// <summary>
        /// Byte offset from the start of the record that lists the field (for a bitfield: the byte that
        /// holds its first bit).
        /// </summary>
        public required long Offset { get; init; }

        /// <summary>Size in bytes of the whole field (0 for a flexible array; for a bitfield, of its declared type).</summary>
        public required long Size { get; init; }

        /// <summary>The C type as the header spells it (<c>__u32</c>, <c>__u8[16]</c>, <c>struct vfio_iova_range[]</c>).</summary>
        public required string Type { get; init; }

        /// <summary>The element type as the header spells it: <see cref="Type"/> without array dimensions.</summary>
        public required string ElementType { get; init; }

        /// <summary>The element type with typedefs resolved (<c>unsigned int</c>).</summary>
        public required string CanonicalElementType { get; init; }

        /// <summary>What the element type is.</summary>
        public required TypeCategory ElementCategory { get; init; }

        /// <summary>Size in bytes of one element.</summary>
        public required long ElementSize { get; init; }

        /// <summary>For integers and enums: whether the type is signed.</summary>
        public bool Signed { get; init; }

        /// <summary>Array dimensions, outermost first; empty for a scalar. A flexible array's first dimension is 0.</summary>
        public required IReadOnlyList<long> ArrayDimensions { get; init; }

        /// <summary>Whether the field is a flexible array member (<c>T name[]</c>).</summary>
        public bool Flexible { get; init; }

        /// <summary>For a bitfield: the bit offset of its first bit from the start of the record; otherwise null.</summary>
        public long? BitOffset { get; init; }

        /// <summary>For a bitfield: its width in bits; otherwise null.</summary>
        public int? BitWidth { get; init; }

        /// <summary>For a record element type: the record's model name; otherwise null.</summary>
        public string? Record { get; init; }

        /// <summary>For an enum element type: the enum's tag, or null for an anonymous enum.</summary>
        public string? Enum { get; init; }

        /// <summary>For a member flattened in from an anonymous struct/union: that (innermost) record's name; otherwise null.</summary>
        public string? AnonymousRecord { get; init; }

        /// <summary>Where the field is declared.</summary>
        public required SourceLocation Location { get; init; }

        /// <summary>Kerneldoc text of the field (the record's <c>@name:</c> entry), or null.</summary>
        public string? Doc { get; init; }
    }
}
