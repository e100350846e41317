using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>A value-type storage location: a root and the struct fields walked from it.</summary>
internal sealed class StorageLocation : IEquatable<StorageLocation>
{
    public StorageLocation(StorageRoot root, ImmutableArray<IFieldSymbol> path, ITypeSymbol type)
    {
        Root = root;
        Path = path;
        Type = type;
    }

    public StorageRoot Root { get; }

    public ImmutableArray<IFieldSymbol> Path { get; }

    /// <summary>The type of the storage at the end of <see cref="Path"/>.</summary>
    public ITypeSymbol Type { get; }

    public StorageLocation Append(IFieldSymbol field) => new(Root, Path.Add(field), field.Type);

    public bool Equals(StorageLocation? other) => other is not null && Root.Equals(other.Root) && SymbolPath.Equal(Path, other.Path);

    public override bool Equals(object? obj) => Equals(obj as StorageLocation);

    public override int GetHashCode() => unchecked(Root.GetHashCode() * 31 + SymbolPath.Hash(Path));
}
