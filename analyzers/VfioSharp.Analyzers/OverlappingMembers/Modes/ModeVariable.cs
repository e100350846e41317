using System;
using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>
/// A value that selects what a method does and is tested more than once, like the VFIO mode in
/// <c>vfio_select_mode</c>: a local, a parameter, or a field or property that the method never
/// writes, read from <c>this</c>, a static, or a variable the method never reassigns.
/// </summary>
internal sealed class ModeVariable : IEquatable<ModeVariable>
{
    public ModeVariable(ISymbol member, ISymbol? receiver, bool isBoolean)
    {
        Member = member;
        Receiver = receiver;
        IsBoolean = isBoolean;
    }

    public ISymbol Member { get; }

    /// <summary>The variable the member is read from; null for locals, parameters, statics and <c>this</c>.</summary>
    public ISymbol? Receiver { get; }

    /// <summary>Booleans have two values, so excluding one pins the other.</summary>
    public bool IsBoolean { get; }

    public bool Equals(ModeVariable? other)
        => other is not null
           && SymbolEqualityComparer.Default.Equals(Member, other.Member)
           && SymbolEqualityComparer.Default.Equals(Receiver, other.Receiver);

    public override bool Equals(object? obj) => Equals(obj as ModeVariable);

    public override int GetHashCode()
        => unchecked(SymbolEqualityComparer.Default.GetHashCode(Member) * 31 + SymbolEqualityComparer.Default.GetHashCode(Receiver));
}
