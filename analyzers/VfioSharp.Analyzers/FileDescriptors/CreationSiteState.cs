using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.FileDescriptors;

/// <summary>
/// The state of <see cref="CreationSiteFlow"/> at one point: which creation sites each local,
/// parameter or flow capture may refer to, and which (site, fd member) pairs may still be 0.
/// Both are "may" sets: paths that meet take the union.
/// </summary>
internal sealed class CreationSiteState
{
    public static readonly CreationSiteState Empty = new(
        ImmutableDictionary.Create<object, ImmutableHashSet<int>>(SlotComparer.Instance),
        ImmutableHashSet<long>.Empty);

    public CreationSiteState(ImmutableDictionary<object, ImmutableHashSet<int>> pointsTo, ImmutableHashSet<long> mayBeZero)
    {
        PointsTo = pointsTo;
        MayBeZero = mayBeZero;
    }

    /// <summary>Slot (an <see cref="ISymbol"/> for locals and parameters, a boxed <c>CaptureId</c>) to site indices.</summary>
    public ImmutableDictionary<object, ImmutableHashSet<int>> PointsTo { get; }

    /// <summary>(site index, member index) pairs, packed by <see cref="Key"/>.</summary>
    public ImmutableHashSet<long> MayBeZero { get; }

    public static long Key(int site, int member) => ((long)site << 32) | (uint)member;

    public static int SiteOf(long key) => (int)(key >> 32);

    public static int MemberOf(long key) => (int)(key & 0xFFFFFFFF);

    public ImmutableHashSet<int> SitesOf(object slot)
        => PointsTo.TryGetValue(slot, out var sites) ? sites : ImmutableHashSet<int>.Empty;

    public CreationSiteState WithSlot(object slot, ImmutableHashSet<int> sites)
        => new(sites.IsEmpty ? PointsTo.Remove(slot) : PointsTo.SetItem(slot, sites), MayBeZero);

    public CreationSiteState WithZero(ImmutableHashSet<long> mayBeZero) => new(PointsTo, mayBeZero);

    public CreationSiteState Join(CreationSiteState other)
    {
        var pointsTo = PointsTo;
        foreach (var entry in other.PointsTo)
        {
            pointsTo = pointsTo.SetItem(entry.Key, pointsTo.TryGetValue(entry.Key, out var mine) ? mine.Union(entry.Value) : entry.Value);
        }

        return new CreationSiteState(pointsTo, MayBeZero.Union(other.MayBeZero));
    }

    public bool IsSame(CreationSiteState other)
    {
        if (PointsTo.Count != other.PointsTo.Count || !MayBeZero.SetEquals(other.MayBeZero))
        {
            return false;
        }

        foreach (var entry in PointsTo)
        {
            if (!other.PointsTo.TryGetValue(entry.Key, out var theirs) || !entry.Value.SetEquals(theirs))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Compares symbols with <see cref="SymbolEqualityComparer.Default"/> and capture ids by value.</summary>
    private sealed class SlotComparer : IEqualityComparer<object>
    {
        public static readonly SlotComparer Instance = new();

        public new bool Equals(object? x, object? y)
            => x is ISymbol left && y is ISymbol right
                ? SymbolEqualityComparer.Default.Equals(left, right)
                : object.Equals(x, y);

        public int GetHashCode(object obj)
            => obj is ISymbol symbol ? SymbolEqualityComparer.Default.GetHashCode(symbol) : obj.GetHashCode();
    }
}
