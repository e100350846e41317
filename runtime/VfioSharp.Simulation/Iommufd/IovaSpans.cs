namespace VfioSharp.Simulation.Iommufd;

/// <summary>
/// The holes between closed IOVA intervals, as the kernel's <c>interval_tree_for_each_span</c> walks them: what
/// IOMMU_IOAS_IOVA_RANGES reports (holes of the reserved ranges) and where IOVA allocation looks for room.
/// </summary>
internal static class IovaSpans
{
    /// <summary>The maximal runs of [<paramref name="first"/>, <paramref name="last"/>] that no interval covers, lowest first.</summary>
    public static List<(ulong Start, ulong Last)> Holes(IEnumerable<(ulong Start, ulong Last)> used, ulong first, ulong last)
    {
        var holes = new List<(ulong Start, ulong Last)>();
        var cursor = first;
        var done = false;
        foreach (var (start, end) in used.Where(u => u.Last >= first && u.Start <= last).OrderBy(u => u.Start))
        {
            if (start > cursor)
            {
                holes.Add((cursor, start - 1));
            }

            if (end >= last)
            {
                done = true;
                break;
            }

            cursor = Math.Max(cursor, end + 1);
        }

        if (!done && cursor <= last)
        {
            holes.Add((cursor, last));
        }

        return holes;
    }

    /// <summary>The merged runs of [<paramref name="first"/>, <paramref name="last"/>] that the intervals cover.</summary>
    public static List<(ulong Start, ulong Last)> Covered(IEnumerable<(ulong Start, ulong Last)> intervals, ulong first, ulong last)
    {
        var covered = new List<(ulong Start, ulong Last)>();
        var cursor = first;
        foreach (var hole in Holes(intervals, first, last))
        {
            if (hole.Start > cursor)
            {
                covered.Add((cursor, hole.Start - 1));
            }

            cursor = hole.Last == ulong.MaxValue ? ulong.MaxValue : hole.Last + 1;
            if (hole.Last >= last)
            {
                return covered;
            }
        }

        if (cursor <= last)
        {
            covered.Add((cursor, last));
        }

        return covered;
    }

    /// <summary>Whether [<paramref name="start"/>, <paramref name="last"/>] meets any of the intervals.</summary>
    public static bool Intersects(IEnumerable<(ulong Start, ulong Last)> intervals, ulong start, ulong last)
        => intervals.Any(i => i.Start <= last && start <= i.Last);
}
