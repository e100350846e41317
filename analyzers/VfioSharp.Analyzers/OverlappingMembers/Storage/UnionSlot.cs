using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>
/// One tracked union: the outermost struct with overlapping members inside a storage root. Its bytes
/// are the coordinate system in which stores and reads are compared.
/// </summary>
internal sealed class UnionSlot : IEquatable<UnionSlot>
{
    public UnionSlot(StorageRoot root, ImmutableArray<IFieldSymbol> path, ITypeSymbol type, TypeLayout layout)
    {
        Root = root;
        Path = path;
        Type = type;
        Layout = layout;
    }

    public StorageRoot Root { get; }

    /// <summary>The fields from the root to the union.</summary>
    public ImmutableArray<IFieldSymbol> Path { get; }

    public ITypeSymbol Type { get; }

    public TypeLayout Layout { get; }

    public int Size => Layout.Size;

    public bool Equals(UnionSlot? other) => other is not null && Root.Equals(other.Root) && SymbolPath.Equal(Path, other.Path);

    public override bool Equals(object? obj) => Equals(obj as UnionSlot);

    public override int GetHashCode() => unchecked(Root.GetHashCode() * 31 + SymbolPath.Hash(Path));
}
