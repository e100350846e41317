using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>
/// A reference-typed value named by a variable and a chain of fields (<c>c</c>, <c>this</c>,
/// <c>this.owner</c>): the object behind it holds struct fields that become storage roots.
/// </summary>
internal sealed class HeapReference : IEquatable<HeapReference>
{
    public HeapReference(ISymbol? anchor, ImmutableArray<ISymbol> chain)
    {
        Anchor = anchor;
        Chain = chain;
    }

    /// <summary>The local, parameter or static field the chain starts from; null for <c>this</c>.</summary>
    public ISymbol? Anchor { get; }

    public ImmutableArray<ISymbol> Chain { get; }

    public HeapReference Append(ISymbol field) => new(Anchor, Chain.Add(field));

    public bool Equals(HeapReference? other)
        => other is not null && SymbolEqualityComparer.Default.Equals(Anchor, other.Anchor) && SymbolPath.Equal(Chain, other.Chain);

    public override bool Equals(object? obj) => Equals(obj as HeapReference);

    public override int GetHashCode() => unchecked(SymbolEqualityComparer.Default.GetHashCode(Anchor) * 31 + SymbolPath.Hash(Chain));
}
