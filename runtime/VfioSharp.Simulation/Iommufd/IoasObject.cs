using System.Numerics;
using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.Memory;

namespace VfioSharp.Simulation.Iommufd;

/// <summary>
/// An I/O address space and its io_pagetable (<c>drivers/iommu/iommufd/io_pagetable.c</c>): areas (IOVA → process
/// memory, kept in an <see cref="IoPageTable"/> that attached devices' DMA goes through), reserved and allowed IOVA
/// ranges, the IOVA alignment, and the domains (HWPTs) on it.
/// </summary>
/// <remarks>
/// As in the kernel, memory is pinned only while a domain exists: an IOAS nothing is attached to accepts byte-
/// granular maps of memory the process never mapped; the first attach raises the alignment to 4 KiB and pins
/// every area, failing with EADDRINUSE or EFAULT on what was accepted before (misuse table, cdev-attach-after-*).
/// </remarks>
internal sealed class IoasObject : IommufdObject
{
    private const ulong PageSize = IntelIommu.PageSize;

    private readonly SimulatedKernel _kernel;
    private readonly List<ReservedRange> _reserved = [];
    private readonly List<HwptObject> _hwpts = [];
    private List<(ulong Start, ulong Last)> _allowed = [];

    public IoasObject(uint id, SimulatedKernel kernel)
        : base(id)
    {
        _kernel = kernel;
        _kernel.IoPageTables.Add(Table);
    }

    public override string Kind => "IOAS";

    /// <summary>The areas; a device attached to this IOAS translates its DMA through it.</summary>
    public IoPageTable Table { get; } = new();

    /// <summary>The page tables on this IOAS (<c>ioas-&gt;hwpt_list</c>): each holds a reference, so DESTROY is EBUSY.</summary>
    public IReadOnlyList<HwptObject> Hwpts => _hwpts;

    /// <summary>No-IOMMU devices attached to it (no domain behind them): each holds a reference, so DESTROY is EBUSY.</summary>
    public int Accesses { get; set; }

    /// <summary>IOMMU_OPTION_HUGE_PAGES set to 0 (or VFIO_SET_IOMMU(VFIO_TYPE1_IOMMU) through the compat interface).</summary>
    public bool LargePagesDisabled { get; private set; }

    /// <summary><c>iopt-&gt;iova_alignment</c>: 1 for a software-only table, the IOMMU page once a domain exists.</summary>
    public ulong IovaAlignment => LargePagesDisabled || _hwpts.Count > 0 ? PageSize : 1;

    /// <summary>The ranges IOMMU_IOAS_IOVA_RANGES reports: the holes between reserved ranges.</summary>
    public List<(ulong Start, ulong Last)> UsableRanges => IovaSpans.Holes(Reserved, 0, ulong.MaxValue);

    private bool Pinned => _hwpts.Count > 0;

    private IEnumerable<(ulong Start, ulong Last)> Reserved => _reserved.Select(r => (r.Start, r.Last));

    private IEnumerable<(ulong Start, ulong Last)> Areas => Table.Mappings.Select(m => (m.Iova, m.Last));

    /// <summary>IOMMU_IOAS_MAP after the IOAS was found: <c>iopt_map_user_pages</c>.</summary>
    public long MapUser(ulong userVa, ulong length, bool writable, bool fixedIova, ref ulong iova)
    {
        // iopt_alloc_pages: the length bounds come before the address overflow.
        if (length == 0 || length > ulong.MaxValue - PageSize)
        {
            return -LinuxErrno.EINVAL;
        }

        if (userVa + length < userVa)
        {
            return -LinuxErrno.EOVERFLOW;
        }

        return Map([new UserPages(userVa, length, writable)], length, writable, fixedIova, ref iova);
    }

    /// <summary><c>iopt_map_pages</c>: places the pieces contiguously at a fixed or allocated IOVA and pins them if a domain exists.</summary>
    public long Map(IReadOnlyList<UserPages> pieces, ulong length, bool writable, bool fixedIova, ref ulong iova)
    {
        var alignment = IovaAlignment;
        if ((length & (alignment - 1)) != 0 || length == 0)
        {
            return -LinuxErrno.EINVAL;
        }

        var placed = fixedIova ? CheckIova(iova, length) : AllocateIova(pieces[0].HostAddress, length, out iova);
        if (placed != 0)
        {
            return placed;
        }

        // iopt_insert_area for each piece.
        foreach (var piece in pieces)
        {
            if (writable && !piece.Writable)
            {
                return -LinuxErrno.EPERM;
            }

            if (((piece.HostAddress % PageSize) & (alignment - 1)) != 0)
            {
                return -LinuxErrno.EINVAL;
            }
        }

        var areas = new List<IoMapping>(pieces.Count);
        var next = iova;
        foreach (var piece in pieces)
        {
            areas.Add(new IoMapping(next, piece.Length, piece.HostAddress, writable));
            next += piece.Length;
        }

        if (Pinned)
        {
            var pinned = Pin(areas);
            if (pinned != 0)
            {
                return pinned;
            }
        }

        foreach (var area in areas)
        {
            Table.Add(area);
        }

        return 0;
    }

    /// <summary>IOMMU_IOAS_UNMAP of a range: every area in it must lie wholly inside (<c>iopt_unmap_iova</c>).</summary>
    public long Unmap(ulong iova, ulong length, out ulong unmapped)
    {
        unmapped = 0;
        if (length == 0)
        {
            return -LinuxErrno.EINVAL;
        }

        if (iova + (length - 1) < iova)
        {
            return -LinuxErrno.EOVERFLOW;
        }

        return UnmapRange(iova, iova + (length - 1), out unmapped);
    }

    /// <summary>Unmaps everything (<c>iopt_unmap_all</c>): an empty IOAS is not an error.</summary>
    public long UnmapAll(out ulong unmapped)
    {
        var result = UnmapRange(0, ulong.MaxValue, out unmapped);
        return result == -LinuxErrno.ENOENT ? 0 : result;
    }

    /// <summary>
    /// The user memory behind [<paramref name="iova"/>, +<paramref name="length"/>) for IOMMU_IOAS_COPY
    /// (<c>iopt_get_pages</c>): contiguous areas must cover all of it, starting with one that holds its first byte.
    /// </summary>
    public long GetPages(ulong iova, ulong length, out List<UserPages> pieces)
    {
        pieces = [];
        if (length == 0)
        {
            return -LinuxErrno.EINVAL;
        }

        if (iova + (length - 1) < iova)
        {
            return -LinuxErrno.EOVERFLOW;
        }

        var last = iova + (length - 1);
        var cursor = iova;
        while (true)
        {
            var area = Table.Mappings.FirstOrDefault(m => m.Iova <= cursor && cursor <= m.Last);
            if (area is null || (pieces.Count > 0 && area.Iova != cursor))
            {
                pieces.Clear();
                return -LinuxErrno.ENOENT;
            }

            var end = Math.Min(last, area.Last);
            pieces.Add(new UserPages(area.HostAddress + (cursor - area.Iova), end - cursor + 1, area.Writable));
            if (end == last)
            {
                return 0;
            }

            cursor = end + 1;
        }
    }

    /// <summary>IOMMU_IOAS_ALLOW_IOVAS after the ranges were read and checked: none may meet a reserved range.</summary>
    public long SetAllowed(List<(ulong Start, ulong Last)> allowed)
    {
        if (allowed.Any(a => IovaSpans.Intersects(Reserved, a.Start, a.Last)))
        {
            return -LinuxErrno.EADDRINUSE;
        }

        _allowed = allowed;
        return 0;
    }

    /// <summary>Reserves what an attaching device reserves (<c>iopt_table_enforce_dev_resv_regions</c>): its MSI window.</summary>
    public long ReserveDeviceRegions(DeviceObject device) => Reserve(IntelIommu.MsiWindowStart, IntelIommu.MsiWindowLast, device);

    /// <summary>Drops the ranges <paramref name="owner"/> reserved.</summary>
    public void RemoveReserved(IommufdObject owner) => _reserved.RemoveAll(r => r.Owner == owner);

    /// <summary>
    /// A domain joins (<c>iopt_table_add_domain</c>): existing areas must suit its page size (EADDRINUSE), none may
    /// lie outside its aperture (EADDRINUSE), and the first domain pins every area (EFAULT, ENOMEM).
    /// </summary>
    public long AddDomain(HwptObject hwpt)
    {
        if (IovaAlignment < PageSize && Table.Mappings.Any(m => ((m.Iova | m.Length | (m.HostAddress % PageSize)) & (PageSize - 1)) != 0))
        {
            return -LinuxErrno.EADDRINUSE;
        }

        var reserved = Reserve(IntelIommu.ApertureLast + 1, ulong.MaxValue, hwpt);
        if (reserved != 0)
        {
            return reserved;
        }

        if (!Pinned)
        {
            var pinned = Pin([.. Table.Mappings]);
            if (pinned != 0)
            {
                RemoveReserved(hwpt);
                return pinned;
            }
        }

        _hwpts.Add(hwpt);
        return 0;
    }

    /// <summary>A domain leaves (<c>iopt_table_remove_domain</c>): the last one unpins every area.</summary>
    public void RemoveDomain(HwptObject hwpt)
    {
        _hwpts.Remove(hwpt);
        RemoveReserved(hwpt);
        if (!Pinned)
        {
            Unpin(Table.Mappings);
        }
    }

    /// <summary>IOMMU_OPTION_HUGE_PAGES = 0 (<c>iopt_disable_large_pages</c>).</summary>
    public long DisableLargePages()
    {
        if (LargePagesDisabled)
        {
            return 0;
        }

        if (Pinned && Table.Count > 0)
        {
            return -LinuxErrno.EINVAL;
        }

        // The alignment rises to a page: existing areas must already suit it.
        if (Table.Mappings.Any(m => ((m.Iova | m.Length | (m.HostAddress % PageSize)) & (PageSize - 1)) != 0))
        {
            return -LinuxErrno.EADDRINUSE;
        }

        LargePagesDisabled = true;
        return 0;
    }

    /// <summary>IOMMU_OPTION_HUGE_PAGES = 1.</summary>
    public void EnableLargePages() => LargePagesDisabled = false;

    /// <summary>
    /// Splits the area holding <paramref name="iova"/> so that <paramref name="iova"/> ends a piece
    /// (<c>iopt_area_split</c>): type1 emulation through the VFIO compat interface unmaps inside mappings.
    /// </summary>
    public long Cut(ulong iova)
    {
        var area = Table.Mappings.FirstOrDefault(m => m.Iova <= iova && iova <= m.Last);
        if (area is null || iova == area.Iova || iova == area.Last)
        {
            return 0;
        }

        var newStart = iova + 1;
        var alignment = IovaAlignment;
        if ((newStart & (alignment - 1)) != 0 || ((area.HostAddress + (newStart - area.Iova)) & (alignment - 1)) != 0)
        {
            return -LinuxErrno.EINVAL;
        }

        if (Pinned && !LargePagesDisabled)
        {
            return -LinuxErrno.EINVAL;
        }

        Table.Remove(area.Iova);
        Table.Add(area with { Length = newStart - area.Iova });
        Table.Add(new IoMapping(newStart, area.Last - newStart + 1, area.HostAddress + (newStart - area.Iova), area.Writable));
        return 0;
    }

    /// <summary>The IOAS is destroyed: its areas go (and are unpinned), its table leaves the kernel's list.</summary>
    public void Destroy()
    {
        _ = UnmapAll(out _);
        _kernel.IoPageTables.Remove(Table);
    }

    /// <summary><c>iopt_alloc_iova</c>: the first suitably aligned hole at or above one page, inside the allowed ranges.</summary>
    private long AllocateIova(ulong userVa, ulong length, out ulong iova)
    {
        iova = 0;
        var pageOffset = userVa % PageSize;
        if (length == 0 || length >= ulong.MaxValue / 2)
        {
            return -LinuxErrno.EOVERFLOW;
        }

        // Keep the alignment user_va has (up to the length's power of two), for huge pages.
        var alignment = BitOperations.RoundUpToPowerOf2(length);
        if (userVa != 0)
        {
            alignment = Math.Min(alignment, 1UL << BitOperations.TrailingZeroCount(userVa));
        }

        if (alignment < IovaAlignment)
        {
            return -LinuxErrno.EINVAL;
        }

        var spans = _allowed.Count == 0
            ? [(PageSize, ulong.MaxValue - PageSize)]
            : IovaSpans.Covered(_allowed, PageSize, ulong.MaxValue - PageSize);
        var used = Reserved.Concat(Areas).ToList();
        foreach (var (spanStart, spanLast) in spans)
        {
            if (!Fits(spanStart, spanLast, length, alignment, pageOffset, out var alignedStart))
            {
                continue;
            }

            foreach (var (holeStart, holeLast) in IovaSpans.Holes(used, alignedStart, spanLast))
            {
                if (Fits(holeStart, holeLast, length, alignment, pageOffset, out var start))
                {
                    iova = start;
                    return 0;
                }
            }
        }

        return -LinuxErrno.ENOSPC;
    }

    /// <summary>__alloc_iova_check_hole/used: whether the aligned start of [start, last] leaves room for the length.</summary>
    private static bool Fits(ulong start, ulong last, ulong length, ulong alignment, ulong pageOffset, out ulong alignedStart)
    {
        alignedStart = 0;
        if (last - start < length - 1)
        {
            return false;
        }

        var rounded = start + (alignment - 1);
        if (rounded < start)
        {
            return false;
        }

        alignedStart = (rounded & ~(alignment - 1)) | pageOffset;
        return alignedStart <= last && last - alignedStart >= length - 1;
    }

    /// <summary><c>iopt_check_iova</c>: alignment, wrap, reserved ranges, then existing areas.</summary>
    private long CheckIova(ulong iova, ulong length)
    {
        if ((iova & (IovaAlignment - 1)) != 0)
        {
            return -LinuxErrno.EINVAL;
        }

        if (iova + (length - 1) < iova)
        {
            return -LinuxErrno.EOVERFLOW;
        }

        var last = iova + (length - 1);
        if (IovaSpans.Intersects(Reserved, iova, last))
        {
            return -LinuxErrno.EINVAL;
        }

        return IovaSpans.Intersects(Areas, iova, last) ? -LinuxErrno.EEXIST : 0;
    }

    /// <summary><c>iopt_reserve_iova</c>: refused when an area or an allowed range meets the range.</summary>
    private long Reserve(ulong start, ulong last, IommufdObject owner)
    {
        if (IovaSpans.Intersects(Areas, start, last) || IovaSpans.Intersects(_allowed, start, last))
        {
            return -LinuxErrno.EADDRINUSE;
        }

        _reserved.Add(new ReservedRange(start, last, owner));
        return 0;
    }

    /// <summary>
    /// <c>iopt_unmap_iova_range</c>: removes areas from the lowest up; one that sticks out of the range stops it with
    /// ENOENT (those removed before stay removed), and so does finding none.
    /// </summary>
    private long UnmapRange(ulong first, ulong last, out ulong unmapped)
    {
        unmapped = 0;
        while (Table.Mappings.FirstOrDefault(m => m.Iova <= last && first <= m.Last) is { } area)
        {
            if (area.Iova < first || area.Last > last)
            {
                return -LinuxErrno.ENOENT;
            }

            Table.Remove(area.Iova);
            if (Pinned)
            {
                Unpin([area]);
            }

            unmapped += area.Length;
        }

        return unmapped > 0 ? 0 : -LinuxErrno.ENOENT;
    }

    /// <summary>Pins every area's memory as pin_user_pages would (EFAULT, or ENOMEM over RLIMIT_MEMLOCK); all or nothing.</summary>
    private long Pin(List<IoMapping> areas)
    {
        for (var i = 0; i < areas.Count; i++)
        {
            var pinned = _kernel.Memory.Pin(areas[i].HostAddress, areas[i].Length, areas[i].Writable);
            if (pinned != 0)
            {
                Unpin(areas.Take(i));
                return pinned;
            }
        }

        return 0;
    }

    private void Unpin(IEnumerable<IoMapping> areas)
    {
        foreach (var area in areas.ToList())
        {
            _kernel.Memory.Unpin(area.Length);
        }
    }
}
