namespace VfioSharp;

/// <summary>
/// A generated uapi field's byte range. <c>[FieldOffset]</c> is not a custom attribute in metadata, so Roslyn
/// can't show it to analyzers of another assembly; this one can, and VFIO001/VFIO002 use it to see which
/// members of a union overlap.
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, Inherited = false)]
public sealed class UapiFieldAttribute : Attribute
{
    /// <summary>Records where the field lies in its record.</summary>
    public UapiFieldAttribute(int offset, int size)
    {
        Offset = offset;
        Size = size;
    }

    /// <summary>Offset in bytes from the start of the record (for a bitfield: of the byte holding its first bit).</summary>
    public int Offset { get; }

    /// <summary>Size in bytes (for a bitfield: of the bytes it touches).</summary>
    public int Size { get; }
}
