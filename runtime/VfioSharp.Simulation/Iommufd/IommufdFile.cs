using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.Memory;
using VfioSharp.Uapi;

namespace VfioSharp.Simulation.Iommufd;

/// <summary>
/// An open <c>/dev/iommu</c> (<c>drivers/iommu/iommufd/main.c</c>, <c>ioas.c</c>, <c>io_pagetable.c</c>): IOAS
/// alloc, map, unmap, IOVA ranges, destroy; the size rules of every command (too small: EINVAL; larger with a
/// non-zero tail: E2BIG).
/// </summary>
internal sealed unsafe class IommufdFile(SimulatedKernel kernel) : SimulatedFile(kernel)
{
    private const ulong MsiWindowStart = 0xfee00000;
    private const ulong MsiWindowLast = 0xfeefffff;
    private const ulong ApertureLast = (1UL << 48) - 1;

    private readonly SortedDictionary<uint, IommufdObject> _objects = [];
    private uint _nextId = 1;
    private bool _closed;

    public override string Description => "iommufd";

    public IommufdObject? Find(uint id) => _objects.GetValueOrDefault(id);

    public uint Add(Func<uint, IommufdObject> create)
    {
        var id = _nextId++;
        _objects.Add(id, create(id));
        return id;
    }

    public void Remove(uint id) => _objects.Remove(id);

    public override long Ioctl(ulong request, nint argument)
    {
        var (minimum, size) = request switch
        {
            iommufd.IOMMU_DESTROY => (8, sizeof(iommu_destroy)),
            iommufd.IOMMU_IOAS_ALLOC => (12, sizeof(iommu_ioas_alloc)),
            iommufd.IOMMU_IOAS_MAP => (40, sizeof(iommu_ioas_map)),
            iommufd.IOMMU_IOAS_UNMAP => (24, sizeof(iommu_ioas_unmap)),
            iommufd.IOMMU_IOAS_IOVA_RANGES => (32, sizeof(iommu_ioas_iova_ranges)),
            _ => (0, 0),
        };
        if (size == 0)
        {
            return -LinuxErrno.ENOTTY;
        }

        if (argument == 0)
        {
            return -LinuxErrno.EFAULT;
        }

        // SAFETY: every iommufd command starts with its __u32 size; the caller passes at least that many bytes.
        var given = *(uint*)argument;
        if (given < minimum)
        {
            return -LinuxErrno.EINVAL;
        }

        for (var i = size; i < given; i++)
        {
            if (((byte*)argument)[i] != 0)
            {
                return -LinuxErrno.E2BIG;
            }
        }

        return request switch
        {
            iommufd.IOMMU_DESTROY => Destroy(ref *(iommu_destroy*)argument),
            iommufd.IOMMU_IOAS_ALLOC => Alloc(ref *(iommu_ioas_alloc*)argument),
            iommufd.IOMMU_IOAS_MAP => Map(ref *(iommu_ioas_map*)argument),
            iommufd.IOMMU_IOAS_UNMAP => Unmap(ref *(iommu_ioas_unmap*)argument),
            _ => IovaRanges(ref *(iommu_ioas_iova_ranges*)argument),
        };
    }

    public override void Release()
    {
        _closed = true;
        ReleaseIfUnused();
    }

    /// <summary>Bound devices hold the iommufd: its IOASes go when the file and every binding are gone.</summary>
    public void ReleaseIfUnused()
    {
        if (!_closed || _objects.Values.Any(o => o is DeviceObject))
        {
            return;
        }

        foreach (var ioas in _objects.Values.OfType<IoasObject>().ToList())
        {
            Drop(ioas);
        }

        _objects.Clear();
    }

    private void Drop(IoasObject ioas)
    {
        foreach (var mapping in ioas.Table.Mappings)
        {
            Kernel.Memory.Unpin(mapping.Length);
        }

        Kernel.IoPageTables.Remove(ioas.Table);
        _objects.Remove(ioas.Id);
    }

    private long Alloc(ref iommu_ioas_alloc alloc)
    {
        if (alloc.flags != 0)
        {
            return -LinuxErrno.EOPNOTSUPP;
        }

        var id = Add(id => new IoasObject(id));
        Kernel.IoPageTables.Add(((IoasObject)_objects[id]).Table);
        alloc.out_ioas_id = id;
        return 0;
    }

    private long Destroy(ref iommu_destroy destroy)
    {
        switch (Find(destroy.id))
        {
            case null:
                return -LinuxErrno.ENOENT;
            case IoasObject { AttachedDevices: > 0 } or DeviceObject or HwptObject:
                return -LinuxErrno.EBUSY;
            case IoasObject ioas:
                Drop(ioas);
                return 0;
            default:
                return -LinuxErrno.EINVAL;
        }
    }

    private long Map(ref iommu_ioas_map map)
    {
        if (Find(map.ioas_id) is not IoasObject ioas)
        {
            return -LinuxErrno.ENOENT;
        }

        const uint known = (uint)(iommufd_ioas_map_flags.IOMMU_IOAS_MAP_FIXED_IOVA | iommufd_ioas_map_flags.IOMMU_IOAS_MAP_WRITEABLE | iommufd_ioas_map_flags.IOMMU_IOAS_MAP_READABLE);
        if ((map.flags & ~known) != 0 || map.__reserved != 0)
        {
            return -LinuxErrno.EOPNOTSUPP;
        }

        var writable = (map.flags & (uint)iommufd_ioas_map_flags.IOMMU_IOAS_MAP_WRITEABLE) != 0;
        if ((map.flags & (uint)(iommufd_ioas_map_flags.IOMMU_IOAS_MAP_WRITEABLE | iommufd_ioas_map_flags.IOMMU_IOAS_MAP_READABLE)) == 0 || map.length == 0)
        {
            return -LinuxErrno.EINVAL;
        }

        var fixedIova = (map.flags & (uint)iommufd_ioas_map_flags.IOMMU_IOAS_MAP_FIXED_IOVA) != 0;
        if (map.iova == ulong.MaxValue || map.length == ulong.MaxValue || map.user_va + map.length - 1 < map.user_va
            || (fixedIova && map.iova + map.length - 1 < map.iova))
        {
            return -LinuxErrno.EOVERFLOW;
        }

        var attached = ioas.AttachedDevices > 0;
        var alignment = attached ? 4096UL : 1UL;
        if (attached && ((map.length | (map.user_va & 4095) | (fixedIova ? map.iova : 0)) & (alignment - 1)) != 0)
        {
            return -LinuxErrno.EINVAL;
        }

        ulong iova;
        if (fixedIova)
        {
            iova = map.iova;
            if (ioas.Table.Overlaps(iova, map.length))
            {
                return -LinuxErrno.EEXIST;
            }

            if (attached && !Allowed(iova, map.length))
            {
                return -LinuxErrno.EINVAL;
            }
        }
        else if (FindHole(ioas, map.length, attached) is { } hole)
        {
            iova = hole;
        }
        else
        {
            return -LinuxErrno.ENOSPC;
        }

        var pinned = Kernel.Memory.Pin(map.user_va, map.length, writable);
        if (pinned < 0)
        {
            return pinned;
        }

        ioas.Table.Add(new IoMapping(iova, map.length, map.user_va, writable));
        map.iova = iova;
        return 0;
    }

    private static bool Allowed(ulong iova, ulong length)
    {
        var last = iova + length - 1;
        return last <= ApertureLast && !(iova <= MsiWindowLast && MsiWindowStart <= last);
    }

    /// <summary>The lowest free, page-aligned IOVA where <paramref name="length"/> bytes fit (iopt_alloc_iova's first fit).</summary>
    private static ulong? FindHole(IoasObject ioas, ulong length, bool attached)
    {
        ulong candidate = 0;
        var limit = attached ? ApertureLast : ulong.MaxValue;
        foreach (var mapping in ioas.Table.Mappings)
        {
            if (candidate + length - 1 < mapping.Iova && (!attached || Allowed(candidate, length)))
            {
                return candidate;
            }

            candidate = Math.Max(candidate, (mapping.Last + 4096) & ~4095UL);
        }

        while (attached && !Allowed(candidate, length) && candidate <= MsiWindowLast)
        {
            candidate = MsiWindowLast + 1;
        }

        return candidate + length - 1 >= candidate && candidate + length - 1 <= limit ? candidate : null;
    }

    private long Unmap(ref iommu_ioas_unmap unmap)
    {
        if (Find(unmap.ioas_id) is not IoasObject ioas)
        {
            return -LinuxErrno.ENOENT;
        }

        List<IoMapping> victims;
        if (unmap.iova == 0 && unmap.length == ulong.MaxValue)
        {
            victims = [.. ioas.Table.Mappings];
        }
        else
        {
            if (unmap.length == 0)
            {
                return -LinuxErrno.EINVAL;
            }

            if (unmap.iova == ulong.MaxValue || unmap.length == ulong.MaxValue || unmap.iova + unmap.length - 1 < unmap.iova)
            {
                return -LinuxErrno.EOVERFLOW;
            }

            var first = unmap.iova;
            var last = unmap.iova + unmap.length - 1;
            victims = ioas.Table.Intersecting(first, unmap.length);
            if (victims.Count == 0 || victims.Any(m => m.Iova < first || m.Last > last))
            {
                return -LinuxErrno.ENOENT;
            }
        }

        ulong unmapped = 0;
        foreach (var victim in victims)
        {
            ioas.Table.Remove(victim.Iova);
            Kernel.Memory.Unpin(victim.Length);
            unmapped += victim.Length;
        }

        unmap.length = unmapped;
        return 0;
    }

    private long IovaRanges(ref iommu_ioas_iova_ranges ranges)
    {
        if (ranges.__reserved != 0)
        {
            return -LinuxErrno.EOPNOTSUPP;
        }

        if (Find(ranges.ioas_id) is not IoasObject ioas)
        {
            return -LinuxErrno.ENOENT;
        }

        var attached = ioas.AttachedDevices > 0;
        (ulong Start, ulong Last)[] allowed = attached
            ? [(0, MsiWindowStart - 1), (MsiWindowLast + 1, ApertureLast)]
            : [(0, ulong.MaxValue)];
        var room = ranges.num_iovas;
        ranges.num_iovas = (uint)allowed.Length;
        ranges.out_iova_alignment = attached ? 4096UL : 1UL;
        if (room < allowed.Length)
        {
            return -LinuxErrno.EMSGSIZE;
        }

        var entries = (iommu_iova_range*)ranges.allowed_iovas;
        for (var i = 0; i < allowed.Length; i++)
        {
            // SAFETY: the caller said allowed_iovas has room for `room` entries.
            entries[i] = new iommu_iova_range { start = allowed[i].Start, last = allowed[i].Last };
        }

        return 0;
    }
}
