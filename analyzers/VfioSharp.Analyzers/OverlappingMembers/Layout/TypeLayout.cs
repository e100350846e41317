using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>
/// The managed layout of a value type as the CLR lays it out on a 64-bit target: its size, its
/// alignment and the byte offset of each instance field.
/// </summary>
internal sealed class TypeLayout
{
    public TypeLayout(int size, int alignment, bool isExplicit, ImmutableDictionary<IFieldSymbol, int> fieldOffsets)
    {
        Size = size;
        Alignment = alignment;
        IsExplicit = isExplicit;
        FieldOffsets = fieldOffsets;
    }

    public int Size { get; }

    public int Alignment { get; }

    /// <summary>Whether fields are placed by <c>[FieldOffset]</c>, so that two of them may overlap.</summary>
    public bool IsExplicit { get; }

    /// <summary>Offsets of the instance fields, keyed by the field as a member of this (possibly constructed) type.</summary>
    public ImmutableDictionary<IFieldSymbol, int> FieldOffsets { get; }

    public static TypeLayout Scalar(int size) => new(size, size, isExplicit: false, ImmutableDictionary<IFieldSymbol, int>.Empty);

    public static TypeLayout Scalar(int size, int alignment) => new(size, alignment, isExplicit: false, ImmutableDictionary<IFieldSymbol, int>.Empty);
}
