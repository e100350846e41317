using System;
using System.Collections.Immutable;
using System.Linq;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>
/// The values a mode variable may hold on a path: either exactly the listed constants, or anything
/// but them. Constants are normalized so that an enum member and its underlying number compare equal.
/// </summary>
internal sealed class ValueSet : IEquatable<ValueSet>
{
    private static readonly ImmutableHashSet<object> BooleanDomain = ImmutableHashSet.Create<object>(true, false);

    private ValueSet(bool isExclusion, ImmutableHashSet<object> values)
    {
        IsExclusion = isExclusion;
        Values = values;
    }

    public static ValueSet Any { get; } = new(true, ImmutableHashSet<object>.Empty);

    /// <summary>True: every value except <see cref="Values"/>. False: only <see cref="Values"/>.</summary>
    public bool IsExclusion { get; }

    public ImmutableHashSet<object> Values { get; }

    public bool IsEmpty => !IsExclusion && Values.IsEmpty;

    public bool IsAny => IsExclusion && Values.IsEmpty;

    /// <summary>Whether the set says nothing about a variable (of type bool when <paramref name="isBoolean"/>).</summary>
    public bool IsUnconstrained(bool isBoolean) => IsAny || (isBoolean && !IsExclusion && Values.Count == BooleanDomain.Count);

    public static ValueSet Only(object value) => new(false, ImmutableHashSet.Create(value));

    public ValueSet Complement() => new(!IsExclusion, Values);

    /// <summary>Rewrites "all but some booleans" as the booleans left, so that tests of both values resolve.</summary>
    public ValueSet ForBoolean() => IsExclusion ? new ValueSet(false, BooleanDomain.Except(Values)) : this;

    public ValueSet Intersect(ValueSet other)
    {
        if (!IsExclusion && !other.IsExclusion)
        {
            return new ValueSet(false, Values.Intersect(other.Values));
        }

        if (!IsExclusion)
        {
            return new ValueSet(false, Values.Except(other.Values));
        }

        if (!other.IsExclusion)
        {
            return new ValueSet(false, other.Values.Except(Values));
        }

        return new ValueSet(true, Values.Union(other.Values));
    }

    public ValueSet UnionWith(ValueSet other)
    {
        if (!IsExclusion && !other.IsExclusion)
        {
            return new ValueSet(false, Values.Union(other.Values));
        }

        if (IsExclusion && other.IsExclusion)
        {
            return new ValueSet(true, Values.Intersect(other.Values));
        }

        var included = IsExclusion ? other.Values : Values;
        var excluded = IsExclusion ? Values : other.Values;
        return new ValueSet(true, excluded.Except(included));
    }

    /// <summary>Whether every value of this set is in <paramref name="other"/>.</summary>
    public bool IsSubsetOf(ValueSet other)
    {
        if (!IsExclusion)
        {
            return other.IsExclusion ? !Values.Overlaps(other.Values) : Values.IsSubsetOf(other.Values);
        }

        // An exclusion set is infinite: only a larger exclusion set holds it.
        return other.IsExclusion && other.Values.IsSubsetOf(Values);
    }

    public bool Equals(ValueSet? other) => other is not null && IsExclusion == other.IsExclusion && Values.SetEquals(other.Values);

    public override bool Equals(object? obj) => Equals(obj as ValueSet);

    public override int GetHashCode() => Values.Aggregate(IsExclusion ? 1 : 0, (hash, value) => hash ^ value.GetHashCode());

    /// <summary>A constant as the mode facts compare it, or null when such constants are not tracked.</summary>
    public static object? NormalizeConstant(object? value) => value switch
    {
        bool b => b,
        sbyte v => (long)v,
        byte v => (long)v,
        short v => (long)v,
        ushort v => (long)v,
        int v => (long)v,
        uint v => (long)v,
        long v => v,
        char v => (long)v,
        ulong v => v <= long.MaxValue ? (long)v : v,
        string s => s,
        _ => null,
    };
}
