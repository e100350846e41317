using System;
using System.Collections.Generic;
using System.Collections.Immutable;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>
/// The values a mode variable may hold on a path: either exactly the listed constants, or anything
/// but them. Constants are normalized so that an enum member and its underlying number compare equal.
/// The lists hold a handful of constants, so plain arrays with linear search beat hash sets here.
/// </summary>
internal sealed class ValueSet : IEquatable<ValueSet>
{
    private static readonly ImmutableArray<object> BooleanDomain = ImmutableArray.Create<object>(true, false);

    private ValueSet(bool isExclusion, ImmutableArray<object> values)
    {
        IsExclusion = isExclusion;
        Values = values;
    }

    public static ValueSet Any { get; } = new(true, ImmutableArray<object>.Empty);

    /// <summary>True: every value except <see cref="Values"/>. False: only <see cref="Values"/>.</summary>
    public bool IsExclusion { get; }

    /// <summary>Distinct normalized constants.</summary>
    public ImmutableArray<object> Values { get; }

    public bool IsEmpty => !IsExclusion && Values.IsEmpty;

    public bool IsAny => IsExclusion && Values.IsEmpty;

    /// <summary>Whether the set says nothing about a variable (of type bool when <paramref name="isBoolean"/>).</summary>
    public bool IsUnconstrained(bool isBoolean) => IsAny || (isBoolean && !IsExclusion && Values.Length == BooleanDomain.Length);

    public static ValueSet Only(object value) => new(false, ImmutableArray.Create(value));

    public ValueSet Complement() => new(!IsExclusion, Values);

    /// <summary>Rewrites "all but some booleans" as the booleans left, so that tests of both values resolve.</summary>
    public ValueSet ForBoolean() => IsExclusion ? new ValueSet(false, Except(BooleanDomain, Values)) : this;

    public ValueSet Intersect(ValueSet other)
    {
        if (!IsExclusion && !other.IsExclusion)
        {
            return new ValueSet(false, Common(Values, other.Values));
        }

        if (!IsExclusion)
        {
            return new ValueSet(false, Except(Values, other.Values));
        }

        if (!other.IsExclusion)
        {
            return new ValueSet(false, Except(other.Values, Values));
        }

        return new ValueSet(true, Union(Values, other.Values));
    }

    public ValueSet UnionWith(ValueSet other)
    {
        if (!IsExclusion && !other.IsExclusion)
        {
            return new ValueSet(false, Union(Values, other.Values));
        }

        if (IsExclusion && other.IsExclusion)
        {
            return new ValueSet(true, Common(Values, other.Values));
        }

        var included = IsExclusion ? other.Values : Values;
        var excluded = IsExclusion ? Values : other.Values;
        return new ValueSet(true, Except(excluded, included));
    }

    /// <summary>Whether every value of this set is in <paramref name="other"/>.</summary>
    public bool IsSubsetOf(ValueSet other)
    {
        if (!IsExclusion)
        {
            return other.IsExclusion ? !Overlaps(Values, other.Values) : Contains(other.Values, Values);
        }

        // An exclusion set is infinite: only a larger exclusion set holds it.
        return other.IsExclusion && Contains(Values, other.Values);
    }

    public bool Equals(ValueSet? other)
        => other is not null && IsExclusion == other.IsExclusion && Values.Length == other.Values.Length && Contains(Values, other.Values);

    public override bool Equals(object? obj) => Equals(obj as ValueSet);

    public override int GetHashCode()
    {
        var hash = IsExclusion ? 1 : 0;
        foreach (var value in Values)
        {
            hash ^= value.GetHashCode();
        }

        return hash;
    }

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

    private static bool Contains(ImmutableArray<object> set, object value)
    {
        foreach (var item in set)
        {
            if (item.Equals(value))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="set"/> contains every value of <paramref name="values"/>.</summary>
    private static bool Contains(ImmutableArray<object> set, ImmutableArray<object> values)
    {
        foreach (var value in values)
        {
            if (!Contains(set, value))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Overlaps(ImmutableArray<object> left, ImmutableArray<object> right)
    {
        foreach (var value in left)
        {
            if (Contains(right, value))
            {
                return true;
            }
        }

        return false;
    }

    private static ImmutableArray<object> Common(ImmutableArray<object> left, ImmutableArray<object> right)
        => Filter(left, right, keep: true);

    private static ImmutableArray<object> Except(ImmutableArray<object> left, ImmutableArray<object> right)
        => Filter(left, right, keep: false);

    private static ImmutableArray<object> Filter(ImmutableArray<object> left, ImmutableArray<object> right, bool keep)
    {
        if (right.IsEmpty)
        {
            return keep ? right : left;
        }

        List<object>? result = null;
        for (var i = 0; i < left.Length; i++)
        {
            if (Contains(right, left[i]) == keep)
            {
                result?.Add(left[i]);
            }
            else if (result is null)
            {
                result = new List<object>(left.Length);
                for (var j = 0; j < i; j++)
                {
                    result.Add(left[j]);
                }
            }
        }

        return result is null ? left : result.ToImmutableArray();
    }

    private static ImmutableArray<object> Union(ImmutableArray<object> left, ImmutableArray<object> right)
    {
        var result = left;
        foreach (var value in right)
        {
            if (!Contains(left, value))
            {
                result = result.Add(value);
            }
        }

        return result;
    }
}
