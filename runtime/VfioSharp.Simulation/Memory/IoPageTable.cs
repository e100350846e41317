namespace VfioSharp.Simulation.Memory;

/// <summary>
/// IOVA → process address translations of one IOMMU domain: a type1 container's or an IOAS's. Mappings never
/// overlap; a device's DMA is translated through the table it is attached to.
/// </summary>
internal sealed class IoPageTable
{
    private readonly SortedDictionary<ulong, IoMapping> _mappings = [];

    public int Count => _mappings.Count;

    public IEnumerable<IoMapping> Mappings => _mappings.Values;

    public bool Overlaps(ulong iova, ulong length)
        => _mappings.Values.Any(m => iova <= m.Last && m.Iova <= iova + length - 1);

    public void Add(IoMapping mapping) => _mappings.Add(mapping.Iova, mapping);

    public bool Remove(ulong iova) => _mappings.Remove(iova);

    /// <summary>The mappings that intersect [iova, iova + length).</summary>
    public List<IoMapping> Intersecting(ulong iova, ulong length)
    {
        var last = length == 0 ? iova : iova + length - 1;
        return _mappings.Values.Where(m => iova <= m.Last && m.Iova <= last).ToList();
    }

    /// <summary>The process address of [iova, iova + length) when one mapping holds all of it with the access asked.</summary>
    public nint Translate(ulong iova, ulong length, bool write)
    {
        foreach (var mapping in _mappings.Values)
        {
            if (iova >= mapping.Iova && iova - mapping.Iova + length <= mapping.Length && (!write || mapping.Writable))
            {
                return (nint)(mapping.HostAddress + (iova - mapping.Iova));
            }
        }

        return 0;
    }
}
