using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>
/// A read or write of part of a union slot: the member path inside the union and the bytes it
/// covers, relative to the union's start. An empty path is the whole union.
/// </summary>
internal sealed class MemberAccess
{
    public MemberAccess(UnionSlot slot, ImmutableArray<IFieldSymbol> members, int start, int end)
    {
        Slot = slot;
        Members = members;
        Start = start;
        End = end;
    }

    public UnionSlot Slot { get; }

    public ImmutableArray<IFieldSymbol> Members { get; }

    public int Start { get; }

    public int End { get; }

    public string Display => Members.IsEmpty ? Slot.Type.Name : SymbolPath.Display(Members);
}
