using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>Structural equality and hashing for chains of symbols (field paths, access chains).</summary>
internal static class SymbolPath
{
    public static bool Equal<T>(ImmutableArray<T> left, ImmutableArray<T> right)
        where T : ISymbol
    {
        if (left.Length != right.Length)
        {
            return false;
        }

        for (var i = 0; i < left.Length; i++)
        {
            if (!SymbolEqualityComparer.Default.Equals(left[i], right[i]))
            {
                return false;
            }
        }

        return true;
    }

    public static bool StartsWith<T>(ImmutableArray<T> path, ImmutableArray<T> prefix)
        where T : ISymbol
    {
        if (prefix.Length > path.Length)
        {
            return false;
        }

        for (var i = 0; i < prefix.Length; i++)
        {
            if (!SymbolEqualityComparer.Default.Equals(path[i], prefix[i]))
            {
                return false;
            }
        }

        return true;
    }

    public static int Hash<T>(ImmutableArray<T> path)
        where T : ISymbol
    {
        var hash = path.Length;
        foreach (var symbol in path)
        {
            hash = unchecked((hash * 31) + SymbolEqualityComparer.Default.GetHashCode(symbol));
        }

        return hash;
    }

    public static string Display(ImmutableArray<IFieldSymbol> path)
    {
        var names = new string[path.Length];
        for (var i = 0; i < path.Length; i++)
        {
            names[i] = path[i].Name;
        }

        return string.Join(".", names);
    }
}
