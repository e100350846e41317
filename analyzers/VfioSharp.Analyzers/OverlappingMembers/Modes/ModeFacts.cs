using System;
using System.Collections.Immutable;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>
/// What a path has learned about its mode variables from the branches it took. Paths whose facts
/// contradict a later test skip the branch, which is how two tests of the same mode are correlated.
/// </summary>
internal sealed class ModeFacts : IEquatable<ModeFacts>
{
    private ModeFacts(ImmutableDictionary<ModeVariable, ValueSet> values) => Values = values;

    public static ModeFacts None { get; } = new(ImmutableDictionary<ModeVariable, ValueSet>.Empty);

    public ImmutableDictionary<ModeVariable, ValueSet> Values { get; }

    public ValueSet Get(ModeVariable variable) => Values.TryGetValue(variable, out var set) ? set : ValueSet.Any;

    /// <summary>True or false when the facts decide whether <paramref name="variable"/> is in <paramref name="set"/>; null otherwise.</summary>
    public bool? Decide(ModeVariable variable, ValueSet set)
    {
        var known = Get(variable);
        if (known.IsSubsetOf(set))
        {
            return true;
        }

        return Refine(known, set, variable).IsEmpty ? false : null;
    }

    /// <summary>The facts of the paths on which <paramref name="variable"/> is in <paramref name="set"/>; null when there are none.</summary>
    public ModeFacts? Assume(ModeVariable variable, ValueSet set)
    {
        var refined = Refine(Get(variable), set, variable);
        return refined.IsEmpty ? null : With(variable, refined);
    }

    public ModeFacts Assign(ModeVariable variable, object? constant)
        => constant is null ? Forget(variable) : With(variable, ValueSet.Only(constant));

    public ModeFacts Forget(ModeVariable variable) => Values.ContainsKey(variable) ? new ModeFacts(Values.Remove(variable)) : this;

    /// <summary>
    /// When the two fact sets differ in at most one variable, the facts of the paths of both
    /// (exact: nothing is lost); null otherwise.
    /// </summary>
    public ModeFacts? TryJoinExactly(ModeFacts other)
    {
        ModeVariable? differing = null;
        foreach (var entry in Values)
        {
            if (!other.Values.TryGetValue(entry.Key, out var otherSet) || !otherSet.Equals(entry.Value))
            {
                if (differing is not null)
                {
                    return null;
                }

                differing = entry.Key;
            }
        }

        foreach (var entry in other.Values)
        {
            if (!Values.ContainsKey(entry.Key))
            {
                if (differing is not null && !differing.Equals(entry.Key))
                {
                    return null;
                }

                differing = entry.Key;
            }
        }

        return differing is null ? this : With(differing, Get(differing).UnionWith(other.Get(differing)));
    }

    /// <summary>Facts that hold on the paths of both, losing precision where they differ.</summary>
    public ModeFacts Widen(ModeFacts other)
    {
        var result = ImmutableDictionary.CreateBuilder<ModeVariable, ValueSet>();
        foreach (var entry in Values)
        {
            if (other.Values.TryGetValue(entry.Key, out var otherSet))
            {
                var joined = entry.Value.UnionWith(otherSet);
                if (!joined.IsUnconstrained(entry.Key.IsBoolean))
                {
                    result[entry.Key] = joined;
                }
            }
        }

        return new ModeFacts(result.ToImmutable());
    }

    private static ValueSet Refine(ValueSet known, ValueSet set, ModeVariable variable)
    {
        var refined = known.Intersect(set);
        return variable.IsBoolean ? refined.ForBoolean() : refined;
    }

    private ModeFacts With(ModeVariable variable, ValueSet set)
    {
        if (variable.IsBoolean)
        {
            set = set.ForBoolean();
        }

        return set.IsUnconstrained(variable.IsBoolean) ? Forget(variable) : new ModeFacts(Values.SetItem(variable, set));
    }

    public bool Equals(ModeFacts? other)
    {
        if (other is null || other.Values.Count != Values.Count)
        {
            return false;
        }

        foreach (var entry in Values)
        {
            if (!other.Values.TryGetValue(entry.Key, out var set) || !set.Equals(entry.Value))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as ModeFacts);

    public override int GetHashCode() => Values.Count;
}
