using System.Collections.Generic;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>
/// Names (with a value each) looked up by a slice of a larger string, so that searching a body's
/// text for them allocates nothing per identifier (netstandard2.0's dictionaries take only whole
/// strings as keys).
/// </summary>
/// <typeparam name="TValue">What each name maps to.</typeparam>
internal sealed class NameTable<TValue>
{
    private readonly (string Name, TValue Value)[]?[] _buckets;
    private readonly int _mask;
    private readonly int _longest;

    public NameTable(IReadOnlyCollection<KeyValuePair<string, TValue>> entries)
    {
        var size = 16;
        while (size < entries.Count * 2)
        {
            size *= 2;
        }

        var buckets = new List<(string, TValue)>?[size];
        _mask = size - 1;
        foreach (var entry in entries)
        {
            var index = Hash(entry.Key, 0, entry.Key.Length) & _mask;
            (buckets[index] ??= new List<(string, TValue)>()).Add((entry.Key, entry.Value));
            if (entry.Key.Length > _longest)
            {
                _longest = entry.Key.Length;
            }
        }

        _buckets = new (string, TValue)[]?[size];
        for (var i = 0; i < size; i++)
        {
            _buckets[i] = buckets[i]?.ToArray();
        }
    }

    /// <summary>The entry whose name is exactly <c>text[start..start+length]</c>.</summary>
    public bool TryGet(string text, int start, int length, out string name, out TValue value)
    {
        if (length <= _longest && _buckets[Hash(text, start, length) & _mask] is { } bucket)
        {
            foreach (var entry in bucket)
            {
                if (entry.Name.Length == length && string.CompareOrdinal(entry.Name, 0, text, start, length) == 0)
                {
                    name = entry.Name;
                    value = entry.Value;
                    return true;
                }
            }
        }

        name = string.Empty;
        value = default!;
        return false;
    }

    // FNV-1a over the UTF-16 code units.
    private static int Hash(string text, int start, int length)
    {
        var hash = 2166136261u;
        for (var i = start; i < start + length; i++)
        {
            hash = (hash ^ text[i]) * 16777619u;
        }

        return (int)hash;
    }
}
