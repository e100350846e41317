using VfioSharp.Model.Records;

namespace VfioSharp.Scanner.Records;

/// <summary>A field's type taken apart: element type, its category and size, and array dimensions.</summary>
internal sealed record TypeShape(
    string ElementType,
    string CanonicalElementType,
    TypeCategory Category,
    long ElementSize,
    bool Signed,
    IReadOnlyList<long> Dimensions,
    bool Flexible,
    string? Record,
    string? Enum)
{
    /// <summary>The C spelling of the whole type: element type and dimensions (<c>__u8[16]</c>, <c>struct x[]</c>).</summary>
    public string Spelling =>
        ElementType + string.Concat(Dimensions.Select((dimension, index) => index == 0 && Flexible ? "[]" : "[" + dimension + "]"));
}
