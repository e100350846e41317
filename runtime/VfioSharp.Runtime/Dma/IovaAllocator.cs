namespace VfioSharp.Dma;

/// <summary>
/// Finds free IOVA space for a mapping: the lowest aligned hole inside the container's IOVA ranges that no
/// mapping uses, starting at <see cref="Floor"/> (IOVA 0 is legal, but looks like a null pointer to devices).
/// </summary>
public sealed class IovaAllocator
{
    // An array, not the caller's list: a foreach over an interface boxes its enumerator, and this runs per map.
    private readonly IovaRange[] _ranges;

    /// <summary>Allocates inside <paramref name="ranges"/>.</summary>
    /// <param name="ranges">The usable ranges, from the kernel.</param>
    /// <param name="floor">The lowest IOVA to hand out.</param>
    public IovaAllocator(IReadOnlyList<IovaRange> ranges, ulong floor = 1 << 20)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        _ranges = [.. ranges];
        Floor = floor;
    }

    /// <summary>The lowest IOVA handed out.</summary>
    public ulong Floor { get; }

    /// <summary>Finds room for <paramref name="length"/> bytes that overlaps none of <paramref name="used"/> (sorted by IOVA).</summary>
    /// <param name="length">The length; not 0.</param>
    /// <param name="alignment">A power of two.</param>
    /// <param name="used">The mappings that exist, sorted by IOVA.</param>
    /// <param name="iova">The IOVA found.</param>
    /// <returns>Whether there was room.</returns>
    public bool TryAllocate(ulong length, ulong alignment, ReadOnlySpan<DmaMapping> used, out ulong iova)
    {
        iova = 0;
        if (length == 0 || alignment == 0 || (alignment & (alignment - 1)) != 0)
        {
            return false;
        }

        foreach (var range in _ranges)
        {
            var candidate = Align(Math.Max(range.Start, Floor), alignment);
            var index = 0;
            while (candidate is { } start && range.Contains(start, length))
            {
                // Skip past every mapping that overlaps [start, start + length).
                while (index < used.Length && used[index].LastIova < start)
                {
                    index++;
                }

                if (index == used.Length || used[index].Iova > start + length - 1)
                {
                    iova = start;
                    return true;
                }

                candidate = used[index].LastIova == ulong.MaxValue ? null : Align(used[index].LastIova + 1, alignment);
            }
        }

        return false;
    }

    private static ulong? Align(ulong value, ulong alignment)
    {
        var aligned = (value + alignment - 1) & ~(alignment - 1);
        return aligned < value ? null : aligned;
    }
}
