using System;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>
/// Bytes that <see cref="Clobbered"/> wrote through one arm and <see cref="Clobberer"/> then
/// overwrote through another. It becomes a VFIO001 finding when the first arm's value is read or
/// escapes while these bytes still hold the overwriting value.
/// </summary>
internal readonly struct PendingClobber : IEquatable<PendingClobber>, IComparable<PendingClobber>
{
    public PendingClobber(int start, int end, StoreSite clobberer, StoreSite clobbered)
    {
        Start = start;
        End = end;
        Clobberer = clobberer;
        Clobbered = clobbered;
    }

    public int Start { get; }

    public int End { get; }

    public StoreSite Clobberer { get; }

    public StoreSite Clobbered { get; }

    public PendingClobber WithRange(int start, int end) => new(start, end, Clobberer, Clobbered);

    public bool Equals(PendingClobber other)
        => Start == other.Start && End == other.End && ReferenceEquals(Clobberer, other.Clobberer) && ReferenceEquals(Clobbered, other.Clobbered);

    public override bool Equals(object? obj) => obj is PendingClobber other && Equals(other);

    public override int GetHashCode() => unchecked((((Start * 397) ^ End) * 31 + Clobberer.Id) * 31 + Clobbered.Id);

    public int CompareTo(PendingClobber other)
    {
        var c = Start.CompareTo(other.Start);
        if (c == 0)
        {
            c = End.CompareTo(other.End);
        }

        if (c == 0)
        {
            c = Clobberer.Id.CompareTo(other.Clobberer.Id);
        }

        return c != 0 ? c : Clobbered.Id.CompareTo(other.Clobbered.Id);
    }
}
