using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.Groups;
using VfioSharp.Simulation.Memory;
using VfioSharp.Uapi;

namespace VfioSharp.Simulation.Containers;

/// <summary>
/// An open <c>/dev/vfio/vfio</c> (<c>drivers/vfio/container.c</c> with <c>vfio_iommu_type1.c</c> or the no-IOMMU
/// driver): groups join it, an IOMMU driver is chosen once one has, and DMA is mapped into its IOMMU domain,
/// which every device of every member group uses. When the last group leaves, the driver is released with
/// every mapping (the kernel's vfio_group_detach_container → iommu driver release).
/// </summary>
internal sealed unsafe class ContainerFile(SimulatedKernel kernel) : SimulatedFile(kernel)
{
    private const ulong PageSize = 4096;
    private const ulong PageSizes = 0x40201000; // 4 KiB | 2 MiB | 1 GiB, as intel-iommu reports.
    private const ulong MsiWindowStart = 0xfee00000;
    private const ulong MsiWindowLast = 0xfeefffff;
    private const ulong ApertureLast = (1UL << 48) - 1;

    private readonly List<SimulatedIommuGroup> _groups = [];
    private int _iommuType;
    private IoPageTable? _table;

    public override string Description => "VFIO container";

    public bool HasIommu => _iommuType != 0;

    public override long Ioctl(ulong request, nint argument)
    {
        switch (request)
        {
            case vfio.VFIO_GET_API_VERSION:
                return vfio.VFIO_API_VERSION;
            case vfio.VFIO_CHECK_EXTENSION:
                return CheckExtension((long)argument);
            case vfio.VFIO_SET_IOMMU:
                return SetIommu((int)argument);
        }

        if (_iommuType == 0)
        {
            // No driver: the container forwards nothing (vfio_fops_unl_ioctl's default case).
            return -LinuxErrno.EINVAL;
        }

        if (_iommuType == vfio.VFIO_NOIOMMU_IOMMU)
        {
            // The no-IOMMU driver implements CHECK_EXTENSION alone.
            return -LinuxErrno.ENOTTY;
        }

        return request switch
        {
            vfio.VFIO_IOMMU_GET_INFO => GetInfo(argument),
            vfio.VFIO_IOMMU_MAP_DMA => Map(argument),
            vfio.VFIO_IOMMU_UNMAP_DMA => Unmap(argument),
            _ => -LinuxErrno.ENOTTY,
        };
    }

    public override void Release()
    {
        // Member groups hold the container: it lives on until the last one leaves.
        if (_groups.Count == 0)
        {
            DropDriver();
        }
    }

    /// <summary>A group asks to join (VFIO_GROUP_SET_CONTAINER).</summary>
    public int Join(SimulatedIommuGroup group)
    {
        if (_groups.Count > 0 && _groups[0].NoIommu != group.NoIommu)
        {
            return -LinuxErrno.EPERM;
        }

        _groups.Add(group);
        if (_iommuType != 0)
        {
            Attach(group);
        }

        return 0;
    }

    public void GroupLeft(SimulatedIommuGroup group)
    {
        _groups.Remove(group);
        if (_groups.Count == 0)
        {
            DropDriver();
        }
    }

    private long CheckExtension(long extension)
    {
        var iommu = Kernel.Options.Iommu;
        return extension switch
        {
            vfio.VFIO_TYPE1_IOMMU or vfio.VFIO_TYPE1v2_IOMMU => 1,
            vfio.VFIO_NOIOMMU_IOMMU => Kernel.Options.NoIommuEnabled ? 1 : 0,
            vfio.VFIO_DMA_CC_IOMMU => _iommuType is vfio.VFIO_TYPE1_IOMMU or vfio.VFIO_TYPE1v2_IOMMU && iommu ? 1 : 0,
            vfio.VFIO_UNMAP_ALL or vfio.VFIO_UPDATE_VADDR => 1,
            _ => 0,
        };
    }

    private int SetIommu(int type)
    {
        if (_groups.Count == 0 || _iommuType != 0)
        {
            return -LinuxErrno.EINVAL;
        }

        var noIommuGroups = _groups[0].NoIommu;
        switch (type)
        {
            case vfio.VFIO_TYPE1_IOMMU or vfio.VFIO_TYPE1v2_IOMMU when !noIommuGroups:
                _table = new IoPageTable();
                Kernel.IoPageTables.Add(_table);
                break;
            case vfio.VFIO_NOIOMMU_IOMMU when noIommuGroups && Kernel.Options.NoIommuEnabled:
                break;
            default:
                return -LinuxErrno.ENODEV;
        }

        _iommuType = type;
        foreach (var group in _groups)
        {
            Attach(group);
        }

        return 0;
    }

    private void Attach(SimulatedIommuGroup group)
    {
        foreach (var function in group.Functions)
        {
            function.Dma.PageTable = _table;
            function.Dma.Physical = _table is null;
        }
    }

    private void DropDriver()
    {
        if (_table is not null)
        {
            foreach (var mapping in _table.Mappings)
            {
                Kernel.Memory.Unpin(mapping.Length);
            }

            Kernel.IoPageTables.Remove(_table);
            _table = null;
        }

        _iommuType = 0;
    }

    private long GetInfo(nint argument)
    {
        if (argument == 0)
        {
            return -LinuxErrno.EFAULT;
        }

        // SAFETY: the caller passes a vfio_iommu_type1_info followed by argsz - 24 bytes for capabilities.
        ref var info = ref *(vfio_iommu_type1_info*)argument;
        if (info.argsz < 16)
        {
            return -LinuxErrno.EINVAL;
        }

        var caps = BuildCapabilities();
        var needed = (uint)(sizeof(vfio_iommu_type1_info) + caps.Length);
        info.flags = (uint)(vfio.VFIO_IOMMU_INFO_PGSIZES | vfio.VFIO_IOMMU_INFO_CAPS);
        info.iova_pgsizes = PageSizes;
        if (info.argsz < needed)
        {
            info.argsz = needed;
            info.cap_offset = 0;
            return 0;
        }

        info.cap_offset = (uint)sizeof(vfio_iommu_type1_info);
        caps.CopyTo(new Span<byte>((byte*)argument + sizeof(vfio_iommu_type1_info), caps.Length));
        return 0;
    }

    /// <summary>
    /// The capability chain as type1 builds it: migration, then DMA-avail, then IOVA ranges (6.1 put the IOVA
    /// ranges before DMA-avail and did not pad the last capability: 116 bytes in all instead of 120).
    /// </summary>
    private byte[] BuildCapabilities()
    {
        var chain = new CapabilityChainBuilder(sizeof(vfio_iommu_type1_info));
        var migration = new vfio_iommu_type1_info_cap_migration { pgsize_bitmap = PageSizes, max_dirty_bitmap_size = 256UL << 20 };
        chain.Add(vfio.VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION, 1, new ReadOnlySpan<byte>(&migration, sizeof(vfio_iommu_type1_info_cap_migration)));
        var avail = new vfio_iommu_type1_info_dma_avail { avail = (uint)(Kernel.Options.DmaEntryLimit - (_table?.Count ?? 0)) };
        var availBytes = new ReadOnlySpan<byte>(&avail, 12);
        var ranges = IovaRangesCapability();
        if (Kernel.Options.Profile == SimulatedKernelProfile.Linux61)
        {
            chain.Add(vfio.VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, 1, ranges);
            chain.Add(vfio.VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, 1, availBytes, pad: false);
        }
        else
        {
            chain.Add(vfio.VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, 1, availBytes);
            chain.Add(vfio.VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, 1, ranges);
        }

        return chain.ToArray();
    }

    private static byte[] IovaRangesCapability()
    {
        var ranges = new[] { (Start: 0UL, End: MsiWindowStart - 1), (Start: MsiWindowLast + 1, End: ApertureLast) };
        var bytes = new byte[16 + (ranges.Length * 16)];
        fixed (byte* pointer = bytes)
        {
            // SAFETY: bytes holds the capability header, nr_iovas, reserved and the ranges.
            ref var cap = ref *(vfio_iommu_type1_info_cap_iova_range*)pointer;
            cap.nr_iovas = (uint)ranges.Length;
            var entries = (vfio_iova_range*)(pointer + 16);
            for (var i = 0; i < ranges.Length; i++)
            {
                entries[i] = new vfio_iova_range { start = ranges[i].Start, end = ranges[i].End };
            }
        }

        return bytes;
    }

    private long Map(nint argument)
    {
        if (argument == 0)
        {
            return -LinuxErrno.EFAULT;
        }

        // SAFETY: the caller passes a vfio_iommu_type1_dma_map; argsz is checked first.
        ref var map = ref *(vfio_iommu_type1_dma_map*)argument;
        const uint known = (uint)(vfio.VFIO_DMA_MAP_FLAG_READ | vfio.VFIO_DMA_MAP_FLAG_WRITE | vfio.VFIO_DMA_MAP_FLAG_VADDR);
        if (map.argsz < 32 || (map.flags & ~known) != 0)
        {
            return -LinuxErrno.EINVAL;
        }

        var size = map.size;
        var iova = map.iova;
        var vaddr = map.vaddr;
        var prot = map.flags & (uint)(vfio.VFIO_DMA_MAP_FLAG_READ | vfio.VFIO_DMA_MAP_FLAG_WRITE);
        if ((map.flags & (uint)vfio.VFIO_DMA_MAP_FLAG_VADDR) != 0)
        {
            return _table!.Intersecting(iova, size).Count == 0 ? -LinuxErrno.ENOENT : -LinuxErrno.EINVAL;
        }

        if (prot == 0 || size == 0 || ((size | iova | vaddr) & (PageSize - 1)) != 0)
        {
            return -LinuxErrno.EINVAL;
        }

        if (iova + size - 1 < iova || vaddr + size - 1 < vaddr)
        {
            // 7.x answers EOVERFLOW (misuse table, container-map-iova-wrap); 6.17 and older EINVAL.
            return Kernel.Options.Profile == SimulatedKernelProfile.Linux7 ? -LinuxErrno.EOVERFLOW : -LinuxErrno.EINVAL;
        }

        var table = _table!;
        if (table.Overlaps(iova, size))
        {
            return -LinuxErrno.EEXIST;
        }

        if (table.Count >= Kernel.Options.DmaEntryLimit)
        {
            return -LinuxErrno.ENOSPC;
        }

        var last = iova + size - 1;
        if (last > ApertureLast || (iova <= MsiWindowLast && MsiWindowStart <= last))
        {
            return -LinuxErrno.EINVAL;
        }

        var pinned = Kernel.Memory.Pin(vaddr, size, write: (prot & (uint)vfio.VFIO_DMA_MAP_FLAG_WRITE) != 0);
        if (pinned < 0)
        {
            return pinned;
        }

        table.Add(new IoMapping(iova, size, vaddr, Writable: (prot & (uint)vfio.VFIO_DMA_MAP_FLAG_WRITE) != 0));
        return 0;
    }

    private long Unmap(nint argument)
    {
        if (argument == 0)
        {
            return -LinuxErrno.EFAULT;
        }

        // SAFETY: the caller passes a vfio_iommu_type1_dma_unmap; argsz is checked first.
        ref var unmap = ref *(vfio_iommu_type1_dma_unmap*)argument;
        const uint known = (uint)(vfio.VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP | vfio.VFIO_DMA_UNMAP_FLAG_ALL | vfio.VFIO_DMA_UNMAP_FLAG_VADDR);
        var all = (unmap.flags & (uint)vfio.VFIO_DMA_UNMAP_FLAG_ALL) != 0;
        if (unmap.argsz < 24 || (unmap.flags & ~known) != 0
            || ((unmap.flags & (uint)vfio.VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP) != 0 && (unmap.flags & ~(uint)vfio.VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP) != 0))
        {
            return -LinuxErrno.EINVAL;
        }

        var table = _table!;
        List<IoMapping> victims;
        if (all)
        {
            if (unmap.iova != 0 || unmap.size != 0)
            {
                return -LinuxErrno.EINVAL;
            }

            victims = [.. table.Mappings];
        }
        else
        {
            var iova = unmap.iova;
            var size = unmap.size;
            if (size == 0 || ((iova | size) & (PageSize - 1)) != 0 || iova + size - 1 < iova)
            {
                return -LinuxErrno.EINVAL;
            }

            victims = table.Intersecting(iova, size);
            if (_iommuType == vfio.VFIO_TYPE1v2_IOMMU)
            {
                // v2 refuses to bisect a mapping.
                if (victims.Any(m => m.Iova < iova || m.Last > iova + size - 1))
                {
                    return -LinuxErrno.EINVAL;
                }
            }
            else
            {
                // v1 unmaps whole mappings that start inside the range.
                victims = victims.Where(m => m.Iova >= iova).ToList();
            }
        }

        ulong unmapped = 0;
        foreach (var victim in victims)
        {
            table.Remove(victim.Iova);
            Kernel.Memory.Unpin(victim.Length);
            unmapped += victim.Length;
        }

        unmap.size = unmapped;
        return 0;
    }
}
