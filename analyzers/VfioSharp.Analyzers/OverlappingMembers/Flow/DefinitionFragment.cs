using System;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>How the bytes of a fragment got their value.</summary>
internal enum DefinitionKind
{
    /// <summary>Whatever the storage held when the analysis started tracking it: fits every arm.</summary>
    Initial,

    /// <summary>Written by a known store through one member (or by a call filling what was passed).</summary>
    Store,

    /// <summary>Possibly changed by a call on the storage (an instance method, a property setter): fits every arm, clobbers nothing.</summary>
    Opaque,
}

/// <summary>A byte range of a union slot and one store that may have written it last.</summary>
internal readonly struct DefinitionFragment : IEquatable<DefinitionFragment>, IComparable<DefinitionFragment>
{
    public DefinitionFragment(int start, int end, DefinitionKind kind, StoreSite? site)
    {
        Start = start;
        End = end;
        Kind = kind;
        Site = site;
    }

    public int Start { get; }

    public int End { get; }

    public DefinitionKind Kind { get; }

    /// <summary>The store, for <see cref="DefinitionKind.Store"/>.</summary>
    public StoreSite? Site { get; }

    public DefinitionFragment WithRange(int start, int end) => new(start, end, Kind, Site);

    public bool Equals(DefinitionFragment other) => Start == other.Start && End == other.End && Kind == other.Kind && ReferenceEquals(Site, other.Site);

    public override bool Equals(object? obj) => obj is DefinitionFragment other && Equals(other);

    public override int GetHashCode() => unchecked((((Start * 397) ^ End) * 31 + (int)Kind) * 31 + (Site?.Id ?? -1));

    public int CompareTo(DefinitionFragment other)
    {
        var c = Start.CompareTo(other.Start);
        if (c == 0)
        {
            c = End.CompareTo(other.End);
        }

        if (c == 0)
        {
            c = Kind.CompareTo(other.Kind);
        }

        return c != 0 ? c : (Site?.Id ?? -1).CompareTo(other.Site?.Id ?? -1);
    }
}
