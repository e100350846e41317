using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>
/// What is known about the bytes of one union slot at a program point: which stores may have
/// written each byte last, and which overwrites of another arm's value are still unresolved.
/// Immutable; kept sorted so that equal states compare equal.
/// </summary>
internal sealed class SlotState : IEquatable<SlotState>
{
    private SlotState(ImmutableArray<DefinitionFragment> definitions, ImmutableArray<PendingClobber> pendings)
    {
        Definitions = definitions;
        Pendings = pendings;
    }

    public ImmutableArray<DefinitionFragment> Definitions { get; }

    public ImmutableArray<PendingClobber> Pendings { get; }

    public static SlotState Initial(UnionSlot slot)
        => new(ImmutableArray.Create(new DefinitionFragment(0, slot.Size, DefinitionKind.Initial, null)), ImmutableArray<PendingClobber>.Empty);

    /// <summary>
    /// The state after <paramref name="access"/> writes its bytes. A store over bytes last written by
    /// a store of another arm leaves a pending clobber; any write that puts an arm's bytes back
    /// (a compatible member, or the whole union) resolves the pending clobbers of that arm.
    /// </summary>
    public SlotState Write(MemberAccess access, DefinitionKind kind, StoreSite? site, UnionGeometry geometry)
    {
        var definitions = new List<DefinitionFragment>(Definitions.Length + 2);
        var pendings = new List<PendingClobber>(Pendings.Length + 1);
        foreach (var fragment in Definitions)
        {
            if (fragment.End <= access.Start || fragment.Start >= access.End)
            {
                definitions.Add(fragment);
                continue;
            }

            if (fragment.Start < access.Start)
            {
                definitions.Add(fragment.WithRange(fragment.Start, access.Start));
            }

            if (fragment.End > access.End)
            {
                definitions.Add(fragment.WithRange(access.End, fragment.End));
            }

            if (kind == DefinitionKind.Store && site is not null
                && fragment.Kind == DefinitionKind.Store && fragment.Site is not null
                && geometry.Conflicts(fragment.Site.Access, access))
            {
                pendings.Add(new PendingClobber(
                    Math.Max(fragment.Start, access.Start), Math.Min(fragment.End, access.End), site, fragment.Site));
            }
        }

        definitions.Add(new DefinitionFragment(access.Start, access.End, kind, site));

        foreach (var pending in Pendings)
        {
            if (pending.End <= access.Start || pending.Start >= access.End || geometry.Conflicts(pending.Clobbered.Access, access))
            {
                pendings.Add(pending);
                continue;
            }

            if (pending.Start < access.Start)
            {
                pendings.Add(pending.WithRange(pending.Start, access.Start));
            }

            if (pending.End > access.End)
            {
                pendings.Add(pending.WithRange(access.End, pending.End));
            }
        }

        return new SlotState(Normalize(definitions), Normalize(pendings));
    }

    /// <summary>
    /// What a read through <paramref name="access"/> sees: the pending clobbers whose overwritten
    /// value it wanted, and, when asked and none did, a store of another arm that wrote every
    /// possible last value of some byte it reads (a punning read).
    /// </summary>
    public ReadOutcome Read(MemberAccess access, bool checkPunning, UnionGeometry geometry)
    {
        List<PendingClobber>? confirmed = null;
        foreach (var pending in Pendings)
        {
            if (pending.End > access.Start && pending.Start < access.End && !geometry.Conflicts(pending.Clobbered.Access, access))
            {
                (confirmed ??= new List<PendingClobber>()).Add(pending);
            }
        }

        if (confirmed is not null)
        {
            return new ReadOutcome(confirmed, null);
        }

        return new ReadOutcome(null, checkPunning ? FindPunningWriter(access, geometry) : null);
    }

    private StoreSite? FindPunningWriter(MemberAccess access, UnionGeometry geometry)
    {
        var cuts = new SortedSet<int> { access.Start, access.End };
        foreach (var fragment in Definitions)
        {
            if (fragment.Start > access.Start && fragment.Start < access.End)
            {
                cuts.Add(fragment.Start);
            }

            if (fragment.End > access.Start && fragment.End < access.End)
            {
                cuts.Add(fragment.End);
            }
        }

        var previous = -1;
        foreach (var cut in cuts)
        {
            if (previous >= 0)
            {
                var writer = ForeignWriterOfEveryDefinition(previous, cut, access, geometry);
                if (writer is not null)
                {
                    return writer;
                }
            }

            previous = cut;
        }

        return null;
    }

    private StoreSite? ForeignWriterOfEveryDefinition(int start, int end, MemberAccess access, UnionGeometry geometry)
    {
        StoreSite? writer = null;
        foreach (var fragment in Definitions)
        {
            if (fragment.Start > start || fragment.End < end)
            {
                continue;
            }

            if (fragment.Kind != DefinitionKind.Store || fragment.Site is null || !geometry.Conflicts(fragment.Site.Access, access))
            {
                return null;
            }

            writer ??= fragment.Site;
        }

        return writer;
    }

    public static SlotState Union(SlotState left, SlotState right)
    {
        if (left.Equals(right))
        {
            return left;
        }

        var definitions = new List<DefinitionFragment>(left.Definitions.Length + right.Definitions.Length);
        definitions.AddRange(left.Definitions);
        definitions.AddRange(right.Definitions);
        var pendings = new List<PendingClobber>(left.Pendings.Length + right.Pendings.Length);
        pendings.AddRange(left.Pendings);
        pendings.AddRange(right.Pendings);
        return new SlotState(Normalize(definitions), Normalize(pendings));
    }

    private static ImmutableArray<T> Normalize<T>(List<T> items)
        where T : IEquatable<T>, IComparable<T>
    {
        items.Sort();
        var builder = ImmutableArray.CreateBuilder<T>(items.Count);
        foreach (var item in items)
        {
            if (builder.Count == 0 || !builder[builder.Count - 1].Equals(item))
            {
                builder.Add(item);
            }
        }

        return builder.Count == builder.Capacity ? builder.MoveToImmutable() : builder.ToImmutable();
    }

    public bool Equals(SlotState? other)
    {
        if (other is null)
        {
            return false;
        }

        if (ReferenceEquals(this, other))
        {
            return true;
        }

        return Definitions.SequenceEqual(other.Definitions) && Pendings.SequenceEqual(other.Pendings);
    }

    public override bool Equals(object? obj) => Equals(obj as SlotState);

    public override int GetHashCode() => unchecked(Definitions.Length * 31 + Pendings.Length);
}

/// <summary>The result of reading a union member in one flow state.</summary>
internal readonly struct ReadOutcome
{
    public ReadOutcome(List<PendingClobber>? confirmed, StoreSite? punningWriter)
    {
        Confirmed = confirmed;
        PunningWriter = punningWriter;
    }

    /// <summary>Pending clobbers whose lost value this read wanted.</summary>
    public List<PendingClobber>? Confirmed { get; }

    /// <summary>A store of another arm that, in this state, wrote every possible last value of some byte read.</summary>
    public StoreSite? PunningWriter { get; }
}
