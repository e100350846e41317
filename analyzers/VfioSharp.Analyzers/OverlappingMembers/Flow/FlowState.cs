using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>
/// The union-related state of one path: per tracked union slot, which stores may have written its
/// bytes last; and which storage each ref local or pointer local currently designates.
/// A slot that is absent is untouched so far (<see cref="SlotState.Initial"/>).
/// </summary>
internal sealed class FlowState : IEquatable<FlowState>
{
    private FlowState(ImmutableDictionary<UnionSlot, SlotState> slots, ImmutableDictionary<ILocalSymbol, StorageLocation> bindings)
    {
        Slots = slots;
        Bindings = bindings;
    }

    public static FlowState Empty { get; } = new(
        ImmutableDictionary<UnionSlot, SlotState>.Empty,
        ImmutableDictionary.Create<ILocalSymbol, StorageLocation>(SymbolEqualityComparer.Default));

    public ImmutableDictionary<UnionSlot, SlotState> Slots { get; }

    /// <summary>Ref locals and pointer locals whose target is known tracked storage.</summary>
    public ImmutableDictionary<ILocalSymbol, StorageLocation> Bindings { get; }

    public SlotState Get(UnionSlot slot) => Slots.TryGetValue(slot, out var state) ? state : SlotState.Initial(slot);

    public FlowState With(UnionSlot slot, SlotState state) => new(Slots.SetItem(slot, state), Bindings);

    public FlowState Without(IEnumerable<UnionSlot> slots) => new(Slots.RemoveRange(slots), Bindings);

    public FlowState Bind(ILocalSymbol local, StorageLocation? target)
        => target is null
            ? (Bindings.ContainsKey(local) ? new FlowState(Slots, Bindings.Remove(local)) : this)
            : new FlowState(Slots, Bindings.SetItem(local, target));

    public FlowState Unbind(Func<StorageLocation, bool> predicate)
    {
        var bindings = Bindings;
        foreach (var binding in Bindings)
        {
            if (predicate(binding.Value))
            {
                bindings = bindings.Remove(binding.Key);
            }
        }

        return ReferenceEquals(bindings, Bindings) ? this : new FlowState(Slots, bindings);
    }

    /// <summary>The state of a program point reached by both paths.</summary>
    public static FlowState Union(FlowState left, FlowState right)
    {
        if (ReferenceEquals(left, right))
        {
            return left;
        }

        var slots = left.Slots;
        foreach (var entry in right.Slots)
        {
            slots = slots.SetItem(entry.Key, SlotState.Union(left.Get(entry.Key), entry.Value));
        }

        foreach (var entry in left.Slots)
        {
            if (!right.Slots.ContainsKey(entry.Key))
            {
                slots = slots.SetItem(entry.Key, SlotState.Union(entry.Value, SlotState.Initial(entry.Key)));
            }
        }

        var bindings = left.Bindings;
        foreach (var entry in left.Bindings)
        {
            if (!right.Bindings.TryGetValue(entry.Key, out var other) || !other.Equals(entry.Value))
            {
                bindings = bindings.Remove(entry.Key);
            }
        }

        return new FlowState(slots, bindings);
    }

    public bool Equals(FlowState? other)
    {
        if (other is null)
        {
            return false;
        }

        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other.Slots.Count != Slots.Count || other.Bindings.Count != Bindings.Count)
        {
            return false;
        }

        foreach (var entry in Slots)
        {
            if (!other.Slots.TryGetValue(entry.Key, out var state) || !state.Equals(entry.Value))
            {
                return false;
            }
        }

        foreach (var entry in Bindings)
        {
            if (!other.Bindings.TryGetValue(entry.Key, out var target) || !target.Equals(entry.Value))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as FlowState);

    public override int GetHashCode() => unchecked(Slots.Count * 31 + Bindings.Count);
}
