using System.Collections.Generic;
using System.Linq;

namespace VfioSharp.Model.Diffs
{
    /// <summary>One element of the model added, removed or changed between two header versions.</summary>
    public sealed record ModelChange
    {
        /// <summary>Added, removed or changed.</summary>
        public required ChangeKind Kind { get; init; }

        /// <summary>What the element is.</summary>
        public required ModelElementKind Element { get; init; }

        /// <summary>Its name: the C name, <c>record.field</c> for a field.</summary>
        public required string Name { get; init; }

        /// <summary>
        /// For an added or removed element, what it is in a few words (<c>@16 (__aligned_u64)</c>,
        /// <c>= 1 (int)</c>); null for a change.
        /// </summary>
        public string? Description { get; init; }

        /// <summary>For a change, the properties that differ; empty for an addition or removal.</summary>
        public IReadOnlyList<PropertyChange> Properties { get; init; } = System.Array.Empty<PropertyChange>();

        /// <summary>
        /// Whether the change can alter the bytes or numbers that code built against the old headers
        /// exchanges with the kernel: a changed layout, value, request number or calling convention of an
        /// element both versions have, and a field added to or removed from such a record over bytes no
        /// other field covers (padding, or past the old end). Not: a field added as another name for bytes
        /// a field already covers (a new union arm), and elements that only one version has (old code can't
        /// use an added one; code using a removed one still holds its old value).
        /// </summary>
        public required bool AbiRelevant { get; init; }

        /// <summary>Whether the only differences are documentation (reported only when asked for).</summary>
        public bool DocumentationOnly => Kind == ChangeKind.Changed && Properties.All(property => property.Property == PropertyChange.DocProperty);

        /// <summary>
        /// The change as one line: <c>~ struct vfio_device_bind_iommufd: size 16 -> 24 [ABI]</c>,
        /// <c>+ field vfio_device_bind_iommufd.token_uuid_ptr @16 (__aligned_u64) [ABI]</c>,
        /// <c>- macro VFIO_TYPE1_NESTING_IOMMU = 6 (int)</c>.
        /// </summary>
        public override string ToString()
        {
            var sign = Kind switch
            {
                ChangeKind.Added => "+ ",
                ChangeKind.Removed => "- ",
                _ => "~ ",
            };
            var text = sign + Noun(Element) + " " + Name;
            if (Kind == ChangeKind.Changed)
            {
                text += ": " + string.Join(", ", Properties);
            }
            else if (Description is not null)
            {
                text += " " + Description;
            }

            return AbiRelevant ? text + " [ABI]" : text;
        }

        /// <summary>How a line names an element kind: <c>struct</c>, <c>field</c>, <c>constant</c>.</summary>
        public static string Noun(ModelElementKind element) => element switch
        {
            ModelElementKind.Struct => "struct",
            ModelElementKind.Union => "union",
            ModelElementKind.Field => "field",
            ModelElementKind.Enum => "enum",
            ModelElementKind.EnumConstant => "constant",
            ModelElementKind.Macro => "macro",
            _ => "ioctl",
        };
    }
}
