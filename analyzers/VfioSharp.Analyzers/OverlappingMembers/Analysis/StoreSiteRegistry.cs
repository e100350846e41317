using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>Gives each (operation, union) store one <see cref="StoreSite"/> for the whole member, so that states compare by identity.</summary>
internal sealed class StoreSiteRegistry
{
    private readonly Dictionary<Key, StoreSite> _sites = new();

    public StoreSite Get(IOperation operation, MemberAccess access)
    {
        var key = new Key(operation, access.Slot);
        if (!_sites.TryGetValue(key, out var site))
        {
            site = new StoreSite(_sites.Count, operation, access);
            _sites.Add(key, site);
        }

        return site;
    }

    private readonly struct Key : IEquatable<Key>
    {
        private readonly IOperation _operation;
        private readonly UnionSlot _slot;

        public Key(IOperation operation, UnionSlot slot)
        {
            _operation = operation;
            _slot = slot;
        }

        public bool Equals(Key other) => ReferenceEquals(_operation, other._operation) && _slot.Equals(other._slot);

        public override bool Equals(object? obj) => obj is Key other && Equals(other);

        public override int GetHashCode() => unchecked(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(_operation) * 31 + _slot.GetHashCode());
    }
}
