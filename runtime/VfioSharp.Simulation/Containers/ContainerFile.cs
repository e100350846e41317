using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.Groups;
using VfioSharp.Simulation.Memory;
using VfioSharp.Uapi;

namespace VfioSharp.Simulation.Containers;

/// <summary>
/// An open <c>/dev/vfio/vfio</c> (<c>drivers/vfio/container.c</c> with <c>vfio_iommu_type1.c</c> or the no-IOMMU
/// driver): groups join it, an IOMMU driver is chosen once one has, and DMA is mapped into its IOMMU domain,
/// which every device of every member group uses. When the last group leaves, the driver is released with
/// every mapping (vfio_group_detach_container → the driver's release); member groups hold the container, so
/// closing its fd while groups are in it changes nothing until they leave (vfio_container_put).
/// </summary>
internal sealed unsafe class ContainerFile(SimulatedKernel kernel) : SimulatedFile(kernel)
{
    private const ulong PageSize = 4096;
    private const ulong PageSizes = 0x40201000; // 4 KiB | 2 MiB | 1 GiB, as intel-iommu reports.
    private const ulong MsiWindowStart = 0xfee00000;
    private const ulong MsiWindowLast = 0xfeefffff;
    private const ulong ApertureLast = (1UL << 48) - 1;

    // DIRTY_BITMAP_SIZE_MAX of vfio_iommu_type1.c: a bitmap of INT_MAX pages, in bytes.
    private const ulong DirtyBitmapSizeMax = 256UL << 20;

    private readonly List<SimulatedIommuGroup> _groups = [];

    // IOVAs whose vaddr was invalidated by UNMAP_DMA(FLAG_VADDR) and not yet replaced by MAP_DMA(FLAG_VADDR).
    private readonly HashSet<ulong> _invalidVaddr = [];

    private readonly DirtyPageTracking _dirty = new();

    private ContainerDriver _driver;
    private IoPageTable? _table;

    // container->noiommu: what kind of group joined first (only groups of that kind may follow).
    private bool _noIommuGroups;

    public override string Description => "VFIO container (" + _driver + ", " + _groups.Count + " groups, " + (_table?.Count ?? 0) + " mappings)";

    /// <summary>Whether an IOMMU driver is set (VFIO_SET_IOMMU succeeded and a group is still in the container).</summary>
    public bool HasIommu => _driver != ContainerDriver.None;

    public override long Ioctl(ulong request, nint argument)
    {
        switch (request)
        {
            case vfio.VFIO_GET_API_VERSION:
                return vfio.VFIO_API_VERSION;
            case vfio.VFIO_CHECK_EXTENSION:
                return CheckExtension((long)argument);
            case vfio.VFIO_SET_IOMMU:
                return SetIommu((long)argument);
        }

        switch (_driver)
        {
            case ContainerDriver.None:
                // No driver: vfio_fops_unl_ioctl forwards nothing and keeps its initial -EINVAL.
                return -LinuxErrno.EINVAL;
            case ContainerDriver.NoIommu:
                // vfio_noiommu_ioctl implements CHECK_EXTENSION alone.
                return -LinuxErrno.ENOTTY;
        }

        return request switch
        {
            vfio.VFIO_IOMMU_GET_INFO => GetInfo(argument),
            vfio.VFIO_IOMMU_MAP_DMA => Map(argument),
            vfio.VFIO_IOMMU_UNMAP_DMA => Unmap(argument),
            vfio.VFIO_IOMMU_DIRTY_PAGES => _dirty.Ioctl(_table!, _driver == ContainerDriver.Type1v2, argument),
            _ => -LinuxErrno.ENOTTY,
        };
    }

    public override void Release()
    {
        // Member groups hold the container: it lives on until the last one leaves, and that releases the driver.
        if (_groups.Count == 0)
        {
            ReleaseDriver();
        }
    }

    /// <summary>A group asks to join (VFIO_GROUP_SET_CONTAINER → vfio_container_attach_group): 0 or -errno.</summary>
    public int Join(SimulatedIommuGroup group)
    {
        if (group.NoIommu && !Kernel.Options.Root)
        {
            // CAP_SYS_RAWIO.
            return -LinuxErrno.EPERM;
        }

        if (_groups.Count > 0 && _noIommuGroups != group.NoIommu)
        {
            // "Real groups and fake groups cannot mix".
            return -LinuxErrno.EPERM;
        }

        if (!group.NoIommu && !group.Viable)
        {
            // iommu_group_claim_dma_owner: a host driver owns DMA of a device in the group.
            return -LinuxErrno.EPERM;
        }

        if (_driver != ContainerDriver.None && AttachGroup(group) is < 0 and var refused)
        {
            return refused;
        }

        _groups.Add(group);
        _noIommuGroups = group.NoIommu;
        if (_driver != ContainerDriver.None)
        {
            ConnectDevices(group);
        }

        return 0;
    }

    /// <summary>A group left (UNSET_CONTAINER or its release): the last one takes the driver and every mapping with it.</summary>
    public void GroupLeft(SimulatedIommuGroup group)
    {
        _groups.Remove(group);
        if (_groups.Count == 0)
        {
            ReleaseDriver();
        }
    }

    /// <summary>
    /// vfio_container_ioctl_check_extension: with a driver set only that driver answers; before, every registered
    /// driver the container's groups allow is asked until one says yes.
    /// </summary>
    private long CheckExtension(long extension)
    {
        if (_driver != ContainerDriver.None)
        {
            return _driver == ContainerDriver.NoIommu ? NoIommuCheckExtension(extension) : Type1CheckExtension(extension, opened: true);
        }

        long answer = 0;
        if (Allowed(noIommuDriver: false))
        {
            answer = Type1CheckExtension(extension, opened: false);
        }

        if (answer <= 0 && Kernel.Options.HasNoIommuDriver && Allowed(noIommuDriver: true))
        {
            answer = NoIommuCheckExtension(extension);
        }

        return answer;
    }

    /// <summary>vfio_iommu_driver_allowed: with VFIO_NOIOMMU built in, no-IOMMU containers use vfio-noiommu only, and vice versa.</summary>
    private bool Allowed(bool noIommuDriver)
        => !Kernel.Options.HasNoIommuDriver || _groups.Count == 0 || _noIommuGroups == noIommuDriver;

    private long Type1CheckExtension(long extension, bool opened)
    {
        var linux61 = Kernel.Options.Profile == SimulatedKernelProfile.Linux61;
        return extension switch
        {
            vfio.VFIO_TYPE1_IOMMU or vfio.VFIO_TYPE1v2_IOMMU or vfio.VFIO_UNMAP_ALL => 1,

            // 6.1 still advertised type1 nesting; 6.13 removed it (__VFIO_RESERVED_TYPE1_NESTING_IOMMU).
            vfio.__VFIO_RESERVED_TYPE1_NESTING_IOMMU => linux61 ? 1 : 0,

            // 6.2 on: only an opened type1 without emulated (mdev) groups can update vaddrs; 6.1 said yes to anyone.
            vfio.VFIO_UPDATE_VADDR => linux61 || opened ? 1 : 0,

            // vfio_domains_have_enforce_cache_coherency: intel-iommu enforces snooping only with the snoop control
            // capability, which QEMU's intel-iommu does not offer by default.
            vfio.VFIO_DMA_CC_IOMMU => 0,
            _ => 0,
        };
    }

    private long NoIommuCheckExtension(long extension)
        => extension == vfio.VFIO_NOIOMMU_IOMMU && Kernel.Options.EnableUnsafeNoIommuMode ? 1 : 0;

    /// <summary>
    /// vfio_ioctl_set_iommu: only once a group joined and no driver is set; each allowed driver that claims the
    /// type is opened and attached to every group; the last failure is the answer (ENODEV when none claimed it).
    /// </summary>
    private int SetIommu(long type)
    {
        if (_groups.Count == 0 || _driver != ContainerDriver.None)
        {
            return -LinuxErrno.EINVAL;
        }

        var answer = -LinuxErrno.ENODEV;
        if (Allowed(noIommuDriver: false) && Type1CheckExtension(type, opened: false) > 0)
        {
            // vfio_iommu_type1_open takes the two type1 flavours (and 6.1's nesting); other extensions it answered
            // yes to (VFIO_UNMAP_ALL...) are not IOMMU types.
            var driver = type switch
            {
                vfio.VFIO_TYPE1_IOMMU => ContainerDriver.Type1,
                vfio.VFIO_TYPE1v2_IOMMU => ContainerDriver.Type1v2,
                vfio.__VFIO_RESERVED_TYPE1_NESTING_IOMMU => ContainerDriver.Type1Nesting,
                _ => ContainerDriver.None,
            };
            answer = driver == ContainerDriver.None ? -LinuxErrno.EINVAL : TryOpen(driver);
            if (answer == 0)
            {
                return 0;
            }
        }

        if (Kernel.Options.HasNoIommuDriver && Allowed(noIommuDriver: true) && NoIommuCheckExtension(type) > 0)
        {
            // vfio_noiommu_open: CAP_SYS_RAWIO.
            answer = Kernel.Options.Root ? TryOpen(ContainerDriver.NoIommu) : -LinuxErrno.EPERM;
        }

        return answer;
    }

    private int TryOpen(ContainerDriver driver)
    {
        _driver = driver;
        foreach (var group in _groups)
        {
            if (AttachGroup(group) is < 0 and var refused)
            {
                _driver = ContainerDriver.None;
                return refused;
            }
        }

        if (driver != ContainerDriver.NoIommu)
        {
            _table = new IoPageTable();
            Kernel.IoPageTables.Add(_table);
        }

        foreach (var group in _groups)
        {
            ConnectDevices(group);
        }

        return 0;
    }

    /// <summary>The driver's attach_group: what may refuse a group once the IOMMU type is known.</summary>
    private int AttachGroup(SimulatedIommuGroup group)
    {
        if (_driver == ContainerDriver.NoIommu)
        {
            return 0;
        }

        if (_driver == ContainerDriver.Type1Nesting)
        {
            // 6.1/6.12: iommu_enable_nesting has no intel implementation, so vfio_iommu_type1_attach_group fails.
            return -LinuxErrno.EINVAL;
        }

        if (!Kernel.Options.InterruptRemapping)
        {
            // vfio_iommu_type1_attach_group: no isolated MSI and allow_unsafe_interrupts off.
            return -LinuxErrno.EPERM;
        }

        return 0;
    }

    /// <summary>The group's devices DMA through the container's domain (or physically, for no-IOMMU).</summary>
    private void ConnectDevices(SimulatedIommuGroup group)
    {
        foreach (var function in group.Functions)
        {
            function.Dma.PageTable = _table;
            function.Dma.Physical = _table is null;
        }
    }

    /// <summary>The driver's release (vfio_iommu_type1_release → vfio_iommu_unmap_unpin_all): every mapping goes.</summary>
    private void ReleaseDriver()
    {
        if (_table is { } table)
        {
            var mappings = table.Mappings.ToList();
            foreach (var mapping in mappings)
            {
                table.Remove(mapping.Iova);
            }

            Kernel.IoPageTables.Remove(table);
            _table = null;
            foreach (var mapping in mappings)
            {
                Kernel.Memory.Unpin(mapping.Length);
            }
        }

        _invalidVaddr.Clear();
        _dirty.Enabled = false;
        _driver = ContainerDriver.None;
    }

    /// <summary>
    /// vfio_iommu_type1_get_info: argsz below 16 is EINVAL; the reply is the info (as much of its 24 bytes as argsz
    /// holds) and, when argsz leaves room, the capability chain after it; otherwise argsz grows to what it needs.
    /// </summary>
    private long GetInfo(nint argument)
    {
        if (argument == 0)
        {
            return -LinuxErrno.EFAULT;
        }

        // SAFETY: the caller passes at least the 16 bytes up to iova_pgsizes (checked through argsz before more
        // is read or written), then argsz - 24 bytes for capabilities.
        var user = (vfio_iommu_type1_info*)argument;
        var info = new vfio_iommu_type1_info { argsz = user->argsz };
        if (info.argsz < 16)
        {
            return -LinuxErrno.EINVAL;
        }

        var caps = BuildCapabilities();
        var infoSize = (uint)sizeof(vfio_iommu_type1_info);
        info.flags = (uint)(vfio.VFIO_IOMMU_INFO_PGSIZES | vfio.VFIO_IOMMU_INFO_CAPS);
        info.iova_pgsizes = PageSizes;
        if (info.argsz < infoSize + caps.Length)
        {
            info.argsz = infoSize + (uint)caps.Length;
        }
        else
        {
            // SAFETY: argsz says the caller's buffer holds the info and the whole chain after it.
            caps.CopyTo(new Span<byte>((byte*)argument + infoSize, caps.Length));
            info.cap_offset = infoSize;
        }

        // copy_to_user(arg, &info, min(argsz, sizeof(info))): a 16..23-byte argsz leaves cap_offset untouched.
        // SAFETY: at most the caller's own argsz bytes of its struct.
        var written = (int)Math.Min(user->argsz, infoSize);
        new ReadOnlySpan<byte>(&info, written).CopyTo(new Span<byte>(user, written));
        return 0;
    }

    /// <summary>
    /// The capability chain as type1 builds it: migration, DMA-avail, IOVA ranges. Since 6.6 vfio_info_cap_add pads
    /// every capability to 8 bytes (120 bytes in all); 6.1 did not, so its 12-byte DMA-avail capability leaves the
    /// IOVA ranges at offset 68 (116 bytes in all, NOTES.md).
    /// </summary>
    private byte[] BuildCapabilities()
    {
        var pad = Kernel.Options.Profile != SimulatedKernelProfile.Linux61;
        var chain = new CapabilityChainBuilder(sizeof(vfio_iommu_type1_info));

        // vfio_iommu_migration_build_caps reports the smallest IOMMU page only.
        var migration = new vfio_iommu_type1_info_cap_migration { pgsize_bitmap = PageSize, max_dirty_bitmap_size = DirtyBitmapSizeMax };
        chain.Add(vfio.VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION, 1, new ReadOnlySpan<byte>(&migration, sizeof(vfio_iommu_type1_info_cap_migration)), pad);
        var avail = new vfio_iommu_type1_info_dma_avail { avail = (uint)Math.Max(0, Kernel.Options.DmaEntryLimit - (_table?.Count ?? 0)) };
        chain.Add(vfio.VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, 1, new ReadOnlySpan<byte>(&avail, sizeof(vfio_iommu_type1_info_dma_avail)), pad);
        chain.Add(vfio.VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, 1, IovaRangesCapability(), pad);
        return chain.ToArray();
    }

    private static byte[] IovaRangesCapability()
    {
        var ranges = UsableRanges;
        var bytes = new byte[sizeof(vfio_iommu_type1_info_cap_iova_range) + (ranges.Length * sizeof(vfio_iova_range))];
        fixed (byte* pointer = bytes)
        {
            // SAFETY: bytes holds the capability header, nr_iovas, reserved and the ranges.
            ref var cap = ref *(vfio_iommu_type1_info_cap_iova_range*)pointer;
            cap.nr_iovas = (uint)ranges.Length;
            var entries = (vfio_iova_range*)(pointer + sizeof(vfio_iommu_type1_info_cap_iova_range));
            for (var i = 0; i < ranges.Length; i++)
            {
                entries[i] = new vfio_iova_range { start = ranges[i].Start, end = ranges[i].End };
            }
        }

        return bytes;
    }

    /// <summary>
    /// iommu->iova_list: the domain's aperture minus the reserved regions of the attached groups (intel-iommu's MSI
    /// window).
    /// </summary>
    private static (ulong Start, ulong End)[] UsableRanges => [(0, MsiWindowStart - 1), (MsiWindowLast + 1, ApertureLast)];

    /// <summary>vfio_iommu_type1_map_dma then vfio_dma_do_map, checks in the kernel's order.</summary>
    private long Map(nint argument)
    {
        if (argument == 0)
        {
            return -LinuxErrno.EFAULT;
        }

        // SAFETY: the caller passes a vfio_iommu_type1_dma_map (32 bytes, read only: nothing is written back).
        var map = *(vfio_iommu_type1_dma_map*)argument;
        const uint read = (uint)vfio.VFIO_DMA_MAP_FLAG_READ, write = (uint)vfio.VFIO_DMA_MAP_FLAG_WRITE, setVaddrFlag = (uint)vfio.VFIO_DMA_MAP_FLAG_VADDR;
        if (map.argsz < 32 || (map.flags & ~(read | write | setVaddrFlag)) != 0)
        {
            return -LinuxErrno.EINVAL;
        }

        var (iova, size, vaddr) = (map.iova, map.size, map.vaddr);
        var setVaddr = (map.flags & setVaddrFlag) != 0;
        var prot = map.flags & (read | write);
        var linux7 = Kernel.Options.Profile == SimulatedKernelProfile.Linux7;
        if (linux7 && size == 0)
        {
            // 7.x checks the size on its own, first.
            return -LinuxErrno.EINVAL;
        }

        if ((prot != 0) == setVaddr)
        {
            return -LinuxErrno.EINVAL;
        }

        var wraps = iova + size - 1 < iova || vaddr + size - 1 < vaddr;
        if (linux7 && wraps)
        {
            // 7.x: check_add_overflow before alignment (misuse table, container-map-iova-wrap).
            return -LinuxErrno.EOVERFLOW;
        }

        if (size == 0 || ((size | iova | vaddr) & (PageSize - 1)) != 0 || wraps)
        {
            return -LinuxErrno.EINVAL;
        }

        var table = _table!;
        var found = table.Intersecting(iova, size);
        if (setVaddr)
        {
            return UpdateVaddr(table, found, iova, size, vaddr);
        }

        if (found.Count > 0)
        {
            return -LinuxErrno.EEXIST;
        }

        if (table.Count >= Kernel.Options.DmaEntryLimit)
        {
            // dma_avail is zero.
            return -LinuxErrno.ENOSPC;
        }

        if (!InOneRange(iova, iova + size - 1))
        {
            return -LinuxErrno.EINVAL;
        }

        var writable = (prot & write) != 0;
        var pinned = Kernel.Memory.Pin(vaddr, size, writable);
        if (pinned < 0)
        {
            return pinned;
        }

        table.Add(new IoMapping(iova, size, vaddr, writable));
        return 0;
    }

    /// <summary>MAP_DMA(FLAG_VADDR): a new process address for a mapping whose vaddr UNMAP_DMA(FLAG_VADDR) invalidated.</summary>
    private long UpdateVaddr(IoPageTable table, List<IoMapping> found, ulong iova, ulong size, ulong vaddr)
    {
        if (found.Count == 0)
        {
            return -LinuxErrno.ENOENT;
        }

        var mapping = found[0];
        if (!_invalidVaddr.Contains(mapping.Iova) || mapping.Iova != iova || mapping.Length != size)
        {
            return -LinuxErrno.EINVAL;
        }

        // The pages stay pinned and mapped: only the process address they are known by changes, which the caller
        // promised is the same memory.
        table.Remove(mapping.Iova);
        table.Add(mapping with { HostAddress = vaddr });
        _invalidVaddr.Remove(mapping.Iova);
        return 0;
    }

    /// <summary>vfio_iommu_iova_dma_valid: the whole range inside one usable range.</summary>
    private static bool InOneRange(ulong first, ulong last)
        => UsableRanges.Any(range => first >= range.Start && last <= range.End);

    /// <summary>vfio_iommu_type1_unmap_dma then vfio_dma_do_unmap, checks in the kernel's order.</summary>
    private long Unmap(nint argument)
    {
        if (argument == 0)
        {
            return -LinuxErrno.EFAULT;
        }

        // SAFETY: the caller passes a vfio_iommu_type1_dma_unmap; its first 24 bytes are read and, on success, written.
        ref var unmap = ref *(vfio_iommu_type1_dma_unmap*)argument;
        const uint dirty = (uint)vfio.VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP, allFlag = (uint)vfio.VFIO_DMA_UNMAP_FLAG_ALL, vaddrFlag = (uint)vfio.VFIO_DMA_UNMAP_FLAG_VADDR;
        if (unmap.argsz < 24 || (unmap.flags & ~(dirty | allFlag | vaddrFlag)) != 0)
        {
            return -LinuxErrno.EINVAL;
        }

        vfio_bitmap bitmap = default;
        var withBitmap = (unmap.flags & dirty) != 0;
        if (withBitmap)
        {
            // With ALL or VADDR it is EINVAL outright; alone it needs a big enough bitmap and dirty tracking on
            // (VFIO_IOMMU_DIRTY_PAGES START) with the smallest IOMMU page.
            if ((unmap.flags & (allFlag | vaddrFlag)) != 0)
            {
                return -LinuxErrno.EINVAL;
            }

            var checkedBitmap = _dirty.CheckUnmapBitmap(unmap.argsz, unmap.size, argument, out bitmap);
            if (checkedBitmap < 0)
            {
                return checkedBitmap;
            }
        }

        var all = (unmap.flags & allFlag) != 0;
        var invalidateVaddr = (unmap.flags & vaddrFlag) != 0;
        var iova = unmap.iova;
        var size = unmap.size;
        if ((iova & (PageSize - 1)) != 0)
        {
            return -LinuxErrno.EINVAL;
        }

        if (all)
        {
            if (iova != 0 || size != 0)
            {
                return -LinuxErrno.EINVAL;
            }

            size = ulong.MaxValue;
        }
        else if (size == 0 || (size & (PageSize - 1)) != 0)
        {
            return -LinuxErrno.EINVAL;
        }
        else if (iova + size - 1 < iova)
        {
            // 7.x: check_add_overflow (misuse table, container-unmap-wrap); 6.17 and older EINVAL.
            return Kernel.Options.Profile == SimulatedKernelProfile.Linux7 ? -LinuxErrno.EOVERFLOW : -LinuxErrno.EINVAL;
        }

        var table = _table!;
        var last = iova + size - 1;
        var v2 = _driver == ContainerDriver.Type1v2;
        var touched = table.Intersecting(iova, size);
        if (v2 && !all && touched.Any(m => m.Iova < iova || m.Last > last))
        {
            // v2 refuses to bisect a mapping, at either end.
            return -LinuxErrno.EINVAL;
        }

        ulong unmapped = 0;
        var victims = new List<IoMapping>();
        foreach (var mapping in touched)
        {
            if (!v2 && iova > mapping.Iova)
            {
                // v1: a request that starts inside the first mapping it touches unmaps nothing, successfully.
                break;
            }

            victims.Add(mapping);
        }

        if (invalidateVaddr)
        {
            if (victims.Any(m => _invalidVaddr.Contains(m.Iova)))
            {
                // One of them was invalidated already: nothing changes.
                return -LinuxErrno.EINVAL;
            }

            foreach (var victim in victims)
            {
                _invalidVaddr.Add(victim.Iova);
                unmapped += victim.Length;
            }
        }
        else
        {
            if (withBitmap && DirtyPageTracking.Report(victims, iova, bitmap) is < 0 and var fault)
            {
                return fault;
            }

            foreach (var victim in victims)
            {
                table.Remove(victim.Iova);
                _invalidVaddr.Remove(victim.Iova);
                Kernel.Memory.Unpin(victim.Length);
                unmapped += victim.Length;
            }
        }

        unmap.size = unmapped;
        return 0;
    }
}
