using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>Where a tracked value-type storage lives, which decides whether it outlives the method.</summary>
internal enum StorageRootKind
{
    /// <summary>A local, or a by-value parameter: gone when the method returns.</summary>
    Local,

    /// <summary>A ref or out parameter, or the <c>this</c> of a struct: the caller's storage.</summary>
    CallerStorage,

    /// <summary>A struct field of a heap object or a static field, reached through a chain of references.</summary>
    Field,

    /// <summary>
    /// What a pointer points at, when the pointer's target is not known to be tracked storage; or
    /// what a ref local bound to an array element or a ref-returning call refers to.
    /// </summary>
    PointerTarget,

    /// <summary>A variable of an enclosing method, seen from a lambda or local function that captured it.</summary>
    Captured,
}

/// <summary>
/// The identity of one value-type storage location: a variable, the struct behind a pointer, or a
/// struct field of an object named by a chain of references (<c>c.cfg</c>, <c>this.owner.cfg</c>).
/// Two roots are the same storage when they are equal; different instances are different roots.
/// </summary>
internal sealed class StorageRoot : IEquatable<StorageRoot>
{
    public StorageRoot(StorageRootKind kind, ISymbol? anchor, ImmutableArray<ISymbol> chain, ITypeSymbol type)
    {
        Kind = kind;
        Anchor = anchor;
        Chain = chain;
        Type = type;
    }

    public StorageRootKind Kind { get; }

    /// <summary>The variable the access starts from; null for <c>this</c>.</summary>
    public ISymbol? Anchor { get; }

    /// <summary>For <see cref="StorageRootKind.Field"/>: the reference hops and the struct field at the end.</summary>
    public ImmutableArray<ISymbol> Chain { get; }

    public ITypeSymbol Type { get; }

    /// <summary>Whether a value left in this storage can be seen after the method returns.</summary>
    public bool OutlivesMethod => Kind != StorageRootKind.Local;

    public bool Equals(StorageRoot? other)
        => other is not null
           && Kind == other.Kind
           && SymbolEqualityComparer.Default.Equals(Anchor, other.Anchor)
           && SymbolPath.Equal(Chain, other.Chain);

    public override bool Equals(object? obj) => Equals(obj as StorageRoot);

    public override int GetHashCode()
        => unchecked((((int)Kind * 397) ^ SymbolEqualityComparer.Default.GetHashCode(Anchor)) * 31 + SymbolPath.Hash(Chain));

    /// <summary>Whether this root is a field reached through <paramref name="reference"/>.</summary>
    public bool IsReachedThrough(HeapReference reference)
        => Kind == StorageRootKind.Field
           && SymbolEqualityComparer.Default.Equals(Anchor, reference.Anchor)
           && SymbolPath.StartsWith(Chain, reference.Chain);
}
