using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>
/// Maps storage locations onto the bytes of the unions they touch, and decides when two member
/// accesses of one union are in different arms.
/// </summary>
internal sealed class UnionGeometry
{
    private readonly StructLayoutCatalog _catalog;

    public UnionGeometry(StructLayoutCatalog catalog) => _catalog = catalog;

    public StructLayoutCatalog Catalog => _catalog;

    /// <summary>
    /// The union accesses that touching <paramref name="location"/> makes: one when the location is
    /// inside a union, one whole-union access per union the location contains otherwise.
    /// </summary>
    public IReadOnlyList<MemberAccess> Decompose(StorageLocation location)
    {
        var type = location.Root.Type;
        for (var k = 0; k <= location.Path.Length; k++)
        {
            if (_catalog.HasOverlap(type))
            {
                var layout = _catalog.GetLayout(type);
                if (layout is null)
                {
                    return [];
                }

                var path = location.Path;
                var slot = new UnionSlot(location.Root, k == path.Length ? path : ImmutableArray.Create(path, 0, k), type, layout);
                var access = CreateAccess(slot, k == 0 ? path : ImmutableArray.Create(path, k, path.Length - k));
                return access is null ? [] : [access];
            }

            if (k < location.Path.Length)
            {
                type = location.Path[k].Type;
            }
        }

        var unionPaths = _catalog.GetUnionPaths(type);
        if (unionPaths.IsEmpty)
        {
            return [];
        }

        var accesses = new List<MemberAccess>(unionPaths.Length);
        foreach (var unionPath in unionPaths)
        {
            var unionType = unionPath.IsEmpty ? type : unionPath[unionPath.Length - 1].Type;
            var layout = _catalog.GetLayout(unionType);
            if (layout is not null)
            {
                var slot = new UnionSlot(location.Root, location.Path.AddRange(unionPath), unionType, layout);
                accesses.Add(new MemberAccess(slot, ImmutableArray<IFieldSymbol>.Empty, 0, layout.Size));
            }
        }

        return accesses;
    }

    /// <summary>
    /// Whether <paramref name="left"/> and <paramref name="right"/> share bytes through different
    /// arms of an explicit-layout struct: a write of one changes what a read of the other sees.
    /// </summary>
    public bool Conflicts(MemberAccess left, MemberAccess right)
    {
        if (left.End <= right.Start || right.End <= left.Start)
        {
            return false;
        }

        var type = left.Slot.Type;
        var i = 0;
        while (i < left.Members.Length && i < right.Members.Length
               && SymbolEqualityComparer.Default.Equals(left.Members[i], right.Members[i]))
        {
            type = left.Members[i].Type;
            i++;
        }

        if (i == left.Members.Length || i == right.Members.Length)
        {
            // One contains the other: the same arm.
            return false;
        }

        return _catalog.GetLayout(type)?.IsExplicit == true;
    }

    /// <summary>
    /// Where two member paths of one union part ways: the struct whose fields they take differently,
    /// the offset of that struct inside the union slot, and how many fields they share.
    /// </summary>
    public (ITypeSymbol Type, int Offset, int SharedFields) Divergence(MemberAccess left, MemberAccess right)
    {
        var type = left.Slot.Type;
        var offset = 0;
        var i = 0;
        while (i < left.Members.Length && i < right.Members.Length
               && SymbolEqualityComparer.Default.Equals(left.Members[i], right.Members[i]))
        {
            if (_catalog.GetLayout(type)?.FieldOffsets.TryGetValue(left.Members[i], out var fieldOffset) != true)
            {
                break;
            }

            offset += fieldOffset;
            type = left.Members[i].Type;
            i++;
        }

        return (type, offset, i);
    }

    private MemberAccess? CreateAccess(UnionSlot slot, ImmutableArray<IFieldSymbol> members)
    {
        var offset = 0;
        var type = slot.Type;
        var size = slot.Size;
        foreach (var field in members)
        {
            var layout = _catalog.GetLayout(type);
            if (layout is null || !layout.FieldOffsets.TryGetValue(field, out var fieldOffset))
            {
                return null;
            }

            offset += fieldOffset;
            size = _catalog.SizeOfField(field);
            if (size < 0)
            {
                return null;
            }

            type = field.Type;
        }

        return new MemberAccess(slot, members, offset, offset + size);
    }
}
