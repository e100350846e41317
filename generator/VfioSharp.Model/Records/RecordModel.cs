using System.Collections.Generic;

namespace VfioSharp.Model.Records
{
    /// <summary>A struct or union with a body, laid out as the target's C compiler lays it out.</summary>
    public sealed record RecordModel
    {
        /// <summary>
        /// The C tag without <c>struct </c>/<c>union </c>. Records without a tag are named after where they
        /// stand: <c>{parent}__{member}</c> for the type of a named member, <c>{parent}__anon{N}</c> for the
        /// N-th (1-based) anonymous member of <c>parent</c>.
        /// </summary>
        public required string Name { get; init; }

        /// <summary>Struct or union.</summary>
        public required RecordKind Kind { get; init; }

        /// <summary><c>sizeof</c>, in bytes.</summary>
        public required long Size { get; init; }

        /// <summary><c>_Alignof</c>, in bytes.</summary>
        public required long Alignment { get; init; }

        /// <summary>Whether the record carries <c>__attribute__((packed))</c>.</summary>
        public bool Packed { get; init; }

        /// <summary>Whether the record has no tag (see <see cref="Name"/> for how it is named).</summary>
        public bool Anonymous { get; init; }

        /// <summary>The record that lexically contains this one, for records without a tag; otherwise null.</summary>
        public string? Parent { get; init; }

        /// <summary>
        /// <c>argsz</c> or <c>size</c> when the record's first field is one of them: the caller stores the
        /// record's size there so that the kernel can tell versions apart. Otherwise null.
        /// </summary>
        public string? SizeField { get; init; }

        /// <summary>
        /// Fields in declaration order, offsets from the start of this record. Members of anonymous
        /// structs/unions are flattened in at their place with offsets from this record, marked by
        /// <see cref="FieldModel.AnonymousRecord"/>.
        /// </summary>
        public required IReadOnlyList<FieldModel> Fields { get; init; }

        /// <summary>The anonymous members (C11), with their offsets in this record: the nesting that flattening hides.</summary>
        public required IReadOnlyList<AnonymousMember> AnonymousMembers { get; init; }

        /// <summary>Where the record is defined.</summary>
        public required SourceLocation Location { get; init; }

        /// <summary>Kerneldoc text of the record, or null.</summary>
        public string? Doc { get; init; }
    }
}
