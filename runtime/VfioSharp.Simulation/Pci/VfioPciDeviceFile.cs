using System.Buffers.Binary;
using VfioSharp.Kernel;
using VfioSharp.Simulation.Containers;
using VfioSharp.Simulation.Core;
using VfioSharp.Uapi;

namespace VfioSharp.Simulation.Pci;

/// <summary>
/// A vfio-pci device fd, v6.17 (<c>drivers/vfio/pci/vfio_pci_core.c</c>, <c>vfio_pci_rdwr.c</c>,
/// <c>vfio_pci_config.c</c>, <c>vfio_pci_intrs.c</c>; <c>vfio_set_irqs_validate_and_prepare</c> in
/// <c>vfio_main.c</c>): device, region and interrupt info, SET_IRQS, reset, hot-reset info, read/write and
/// pread/pwrite of the regions at <c>index &lt;&lt; 40</c>, mmap of the BARs' mmap-able areas.
/// </summary>
/// <remarks>
/// Subclasses are the two ways to get one: from a group (usable at once) and from a device cdev, which
/// grants access only once bound to an iommufd (<see cref="AccessGranted"/>, <c>df-&gt;access_granted</c>)
/// and answers the cdev ioctls itself before handing the rest here.
/// </remarks>
internal abstract unsafe class VfioPciDeviceFile(SimulatedKernel kernel, SimulatedPciFunction function) : SimulatedFile(kernel)
{
    private const int RegionShift = 40;
    private const ulong RegionOffsetMask = (1UL << RegionShift) - 1;
    private const ulong PageSize = 4096;
    private const uint NumRegions = vfio.VFIO_PCI_NUM_REGIONS;
    private const uint NumIrqs = vfio.VFIO_PCI_NUM_IRQS;
    private const uint ReadWrite = vfio.VFIO_REGION_INFO_FLAG_READ | vfio.VFIO_REGION_INFO_FLAG_WRITE;

    /// <summary>The file position read(2) and write(2) use (the device's fops take <c>&amp;filep-&gt;f_pos</c>).</summary>
    private long _position;

    public SimulatedPciFunction Function { get; } = function;

    /// <summary>Whether the fd may use the device: always for a group's device fd; for a cdev, once bound.</summary>
    protected virtual bool AccessGranted => true;

    private SimulatedPciDevice Device => Function.Device;

    public override long Ioctl(ulong request, nint argument)
    {
        if (!AccessGranted)
        {
            return -LinuxErrno.EINVAL;
        }

        // Each handler copies its fixed part in first: an unreadable argument is EFAULT before anything else.
        if (argument == 0 && request is vfio.VFIO_DEVICE_GET_INFO or vfio.VFIO_DEVICE_GET_REGION_INFO or vfio.VFIO_DEVICE_GET_IRQ_INFO
            or vfio.VFIO_DEVICE_SET_IRQS or vfio.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO or vfio.VFIO_DEVICE_PCI_HOT_RESET)
        {
            return -LinuxErrno.EFAULT;
        }

        return request switch
        {
            vfio.VFIO_DEVICE_GET_INFO => GetInfo(argument),
            vfio.VFIO_DEVICE_GET_REGION_INFO => GetRegionInfo(argument),
            vfio.VFIO_DEVICE_GET_IRQ_INFO => GetIrqInfo(argument),
            vfio.VFIO_DEVICE_SET_IRQS => SetIrqs(argument),
            vfio.VFIO_DEVICE_RESET => Reset(),
            vfio.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO or vfio.VFIO_DEVICE_PCI_HOT_RESET => HotReset(request, argument),
            _ => -LinuxErrno.ENOTTY,
        };
    }

    public override void Release()
    {
        if (--Function.OpenDeviceFiles == 0)
        {
            Function.LastClose();
        }
    }

    public override long Read(Span<byte> buffer)
    {
        var done = PRead(buffer, _position);
        _position += Math.Max(done, 0);
        return done;
    }

    public override long Write(ReadOnlySpan<byte> buffer)
    {
        var done = PWrite(buffer, _position);
        _position += Math.Max(done, 0);
        return done;
    }

    public override long PRead(Span<byte> buffer, long offset)
        => !AccessGranted ? -LinuxErrno.EINVAL : buffer.IsEmpty ? 0 : Access(buffer, offset, write: false);

    public override long PWrite(ReadOnlySpan<byte> buffer, long offset)
    {
        if (!AccessGranted)
        {
            return -LinuxErrno.EINVAL;
        }

        if (buffer.IsEmpty)
        {
            return 0;
        }

        // Access takes a writable span for both directions; a write only reads from it.
        var copy = buffer.Length <= 256 ? stackalloc byte[buffer.Length] : new byte[buffer.Length];
        buffer.CopyTo(copy);
        return Access(copy, offset, write: true);
    }

    /// <summary>vfio_pci_core_mmap, then the simulation's own limit: only the device's mmap-able areas have memory behind them.</summary>
    public override nint Mmap(nuint length, MemoryProtection protection, MapFlags flags, long offset)
    {
        if (!AccessGranted)
        {
            return -LinuxErrno.EINVAL;
        }

        var index = (ulong)offset >> RegionShift;
        var start = (ulong)offset & RegionOffsetMask;
        var pages = ((ulong)length + PageSize - 1) & ~(PageSize - 1);
        if (index >= NumRegions || (flags & MapFlags.Shared) == 0 || index >= vfio.VFIO_PCI_ROM_REGION_INDEX || !BarMmapSupported((int)index))
        {
            return -LinuxErrno.EINVAL;
        }

        var barPages = (Device.BarSizes[(int)index] + PageSize - 1) & ~(PageSize - 1);
        if (start + pages > barPages)
        {
            return -LinuxErrno.EINVAL;
        }

        // Linux maps any page range of the BAR. Here a range must lie inside one area the region's sparse-mmap
        // capability lists: the register pages have nothing behind them that could see a load or a store.
        if (Device.AreaAt((int)index, start, pages) is not { } area)
        {
            return -LinuxErrno.EINVAL;
        }

        return Kernel.Memory.MapDeviceMemory(area.Address + (nint)(start - area.Offset), pages, protection);
    }

    /// <summary>vfio_pci_probe_mmaps: memory BARs of at least a page (the simulation also needs mmap-able areas).</summary>
    private bool BarMmapSupported(int bar)
        => !Device.IsIoBar(bar) && Device.BarSizes[bar] >= PageSize && Device.MmapAreas(bar).Count > 0;

    private long GetInfo(nint argument)
    {
        // SAFETY: the caller passes a vfio_device_info of argsz bytes; only fields inside argsz are written.
        ref var info = ref *(vfio_device_info*)argument;
        if (info.argsz < 16)
        {
            return -LinuxErrno.EINVAL;
        }

        info.flags = vfio.VFIO_DEVICE_FLAGS_PCI | (Device.SupportsReset ? (uint)vfio.VFIO_DEVICE_FLAGS_RESET : 0);
        info.num_regions = NumRegions;
        info.num_irqs = NumIrqs;

        // cap_offset is copied back only when the caller's struct has it (capsz = offsetofend(cap_offset)).
        if (info.argsz >= 24)
        {
            info.cap_offset = 0;
        }

        return 0;
    }

    private long GetRegionInfo(nint argument)
    {
        // SAFETY: the caller passes a vfio_region_info (argsz ≥ 32 checked first) and argsz - 32 bytes after it.
        ref var info = ref *(vfio_region_info*)argument;
        if (info.argsz < 32)
        {
            return -LinuxErrno.EINVAL;
        }

        var index = info.index;
        byte[]? capabilities = null;
        switch (index)
        {
            case vfio.VFIO_PCI_CONFIG_REGION_INDEX:
                info.size = (ulong)Device.ConfigSize;
                info.flags = ReadWrite;
                break;
            case <= vfio.VFIO_PCI_BAR5_REGION_INDEX:
                info.size = Device.BarSizes[(int)index];
                info.flags = info.size == 0 ? 0 : ReadWrite;
                if (info.size != 0 && BarMmapSupported((int)index))
                {
                    info.flags |= vfio.VFIO_REGION_INFO_FLAG_MMAP;
                    capabilities = SparseMmapCapability((int)index);
                }

                break;
            case vfio.VFIO_PCI_ROM_REGION_INDEX:
                // No simulated device has an option ROM: size 0, no flags, as Linux reports an absent ROM.
                info.size = 0;
                info.flags = 0;
                break;
            case vfio.VFIO_PCI_VGA_REGION_INDEX when Device.HasVga:
                info.size = 0xc0000;
                info.flags = ReadWrite;
                break;
            default:
                // The VGA index on a non-VGA device, and any index past the nine (no device-specific regions here).
                return -LinuxErrno.EINVAL;
        }

        info.offset = (ulong)index << RegionShift;
        if (capabilities is null)
        {
            return 0;
        }

        info.flags |= vfio.VFIO_REGION_INFO_FLAG_CAPS;
        var needed = (uint)(sizeof(vfio_region_info) + capabilities.Length);
        if (info.argsz < needed)
        {
            // Too small for the chain: say how much is needed, write no chain.
            info.argsz = needed;
            info.cap_offset = 0;
            return 0;
        }

        capabilities.CopyTo(new Span<byte>((byte*)argument + sizeof(vfio_region_info), capabilities.Length));
        info.cap_offset = (uint)sizeof(vfio_region_info);
        return 0;
    }

    /// <summary>
    /// The sparse-mmap capability, where only part of the BAR is mmap-able. Linux adds none for an ordinary BAR
    /// (all of it is mmap-able); the simulation needs it wherever registers must see each access.
    /// </summary>
    private byte[]? SparseMmapCapability(int bar)
    {
        var areas = Device.MmapAreas(bar);
        if (areas.Count == 1 && areas[0].Offset == 0 && areas[0].Size == Device.BarSizes[bar])
        {
            return null;
        }

        // vfio_region_info_cap_sparse_mmap: header (8), nr_areas, reserved, then { offset, size } per area.
        var capability = new byte[16 + (areas.Count * 16)];
        BinaryPrimitives.WriteUInt32LittleEndian(capability.AsSpan(8), (uint)areas.Count);
        for (var i = 0; i < areas.Count; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(capability.AsSpan(16 + (i * 16)), areas[i].Offset);
            BinaryPrimitives.WriteUInt64LittleEndian(capability.AsSpan(24 + (i * 16)), areas[i].Size);
        }

        var chain = new CapabilityChainBuilder(sizeof(vfio_region_info));
        chain.Add(vfio.VFIO_REGION_INFO_CAP_SPARSE_MMAP, 1, capability);
        return chain.ToArray();
    }

    /// <summary>Whether vfio-pci offers this function the ERR interrupt: PCI Express functions, and any function from 7.3.</summary>
    private bool HasErrInterrupt => Device.IsPciExpress || Kernel.Options.OffersErrToConventionalPci;

    /// <summary>vfio_pci_get_irq_count.</summary>
    private uint IrqCount(uint index) => index switch
    {
        vfio.VFIO_PCI_INTX_IRQ_INDEX => Device.HasInterruptPin ? 1u : 0,
        vfio.VFIO_PCI_MSI_IRQ_INDEX => (uint)Device.MsiVectors,
        vfio.VFIO_PCI_ERR_IRQ_INDEX => HasErrInterrupt ? 1u : 0,
        vfio.VFIO_PCI_REQ_IRQ_INDEX => 1,

        // MSI-X: no simulated device has the capability (or its table), so the count is 0.
        _ => 0,
    };

    private long GetIrqInfo(nint argument)
    {
        // SAFETY: the caller passes a vfio_irq_info (16 bytes, the minimum checked first).
        ref var info = ref *(vfio_irq_info*)argument;
        if (info.argsz < 16 || info.index >= NumIrqs || (info.index == vfio.VFIO_PCI_ERR_IRQ_INDEX && !HasErrInterrupt))
        {
            return -LinuxErrno.EINVAL;
        }

        info.flags = vfio.VFIO_IRQ_INFO_EVENTFD | (info.index == vfio.VFIO_PCI_INTX_IRQ_INDEX
            ? (uint)(vfio.VFIO_IRQ_INFO_MASKABLE | vfio.VFIO_IRQ_INFO_AUTOMASKED)
            : vfio.VFIO_IRQ_INFO_NORESIZE);
        info.count = IrqCount(info.index);
        return 0;
    }

    /// <summary>vfio_pci_ioctl_set_irqs: the header checks of vfio_set_irqs_validate_and_prepare in their order, then the handler.</summary>
    private long SetIrqs(nint argument)
    {
        // SAFETY: the caller passes a vfio_irq_set (minsz 20 read first) followed by argsz - 20 bytes of data.
        var set = *(vfio_irq_set*)argument;
        const uint knownFlags = vfio.VFIO_IRQ_SET_DATA_TYPE_MASK | vfio.VFIO_IRQ_SET_ACTION_TYPE_MASK;
        if (set.argsz < 20 || set.index >= NumIrqs || set.count >= uint.MaxValue - set.start || (set.flags & ~knownFlags) != 0)
        {
            return -LinuxErrno.EINVAL;
        }

        var max = IrqCount(set.index);
        if (set.start >= max || set.start + set.count > max)
        {
            return -LinuxErrno.EINVAL;
        }

        uint size;
        switch (set.flags & vfio.VFIO_IRQ_SET_DATA_TYPE_MASK)
        {
            case vfio.VFIO_IRQ_SET_DATA_NONE:
                size = 0;
                break;
            case vfio.VFIO_IRQ_SET_DATA_BOOL:
                size = 1;
                break;
            case vfio.VFIO_IRQ_SET_DATA_EVENTFD:
                size = 4;
                break;
            default:
                return -LinuxErrno.EINVAL;
        }

        if (size != 0 && set.argsz - 20 < (ulong)set.count * size)
        {
            return -LinuxErrno.EINVAL;
        }

        // SAFETY: argsz covers count * size bytes of data after the header (checked above).
        var data = new ReadOnlySpan<byte>((byte*)argument + 20, (int)(set.count * size));
        return Function.Interrupts.Set(set.flags, set.index, set.start, set.count, data);
    }

    private long Reset()
    {
        if (!Device.SupportsReset)
        {
            return -LinuxErrno.EINVAL;
        }

        // pci_try_reset_function: the function resets and its config is restored to what vfio-pci saved; the
        // interrupt setup the user made stays, so a still-enabled MSI is re-enabled in the capability.
        Device.ResetFunction();
        if (Function.Interrupts.Type == vfio.VFIO_PCI_MSI_IRQ_INDEX)
        {
            Device.SetMsi(enabled: true, Function.Interrupts.MsiQueueMax);
        }

        return 0;
    }

    /// <summary>
    /// VFIO_DEVICE_GET_PCI_HOT_RESET_INFO and VFIO_DEVICE_PCI_HOT_RESET: after the size (and flags) checks,
    /// ENODEV: the simulated devices sit on the root bus with no resettable slot (edu on q35's pcie.0).
    /// </summary>
    private static long HotReset(ulong request, nint argument)
    {
        // SAFETY: both structs start with argsz, flags, count (12 bytes, the minimum).
        var header = (uint*)argument;
        if (header[0] < 12 || (request == vfio.VFIO_DEVICE_PCI_HOT_RESET && header[1] != 0))
        {
            return -LinuxErrno.EINVAL;
        }

        return -LinuxErrno.ENODEV;
    }

    /// <summary>vfio_pci_rw: by the region the offset's top bits name.</summary>
    private long Access(Span<byte> buffer, long offset, bool write)
    {
        var index = (ulong)offset >> RegionShift;
        var within = (ulong)offset & RegionOffsetMask;
        if (index >= NumRegions)
        {
            return -LinuxErrno.EINVAL;
        }

        return index switch
        {
            vfio.VFIO_PCI_CONFIG_REGION_INDEX => ConfigAccess(buffer, within, write),
            vfio.VFIO_PCI_ROM_REGION_INDEX => -LinuxErrno.EINVAL,

            // vfio_pci_vga_rw: nothing to reach without VGA (no simulated device has it).
            vfio.VFIO_PCI_VGA_REGION_INDEX => -LinuxErrno.EINVAL,
            _ => BarAccess((int)index, buffer, within, write),
        };
    }

    /// <summary>vfio_pci_config_rw: the whole access must fit (EFAULT otherwise), then aligned chunks through the virtual config.</summary>
    private long ConfigAccess(Span<byte> buffer, ulong within, bool write)
    {
        var size = (ulong)Device.ConfigSize;
        if (within >= size || (ulong)buffer.Length > size - within)
        {
            return -LinuxErrno.EFAULT;
        }

        var config = Function.VirtualConfig;
        var done = 0;
        while (done < buffer.Length)
        {
            var at = (int)within + done;
            var remaining = buffer.Length - done;
            var width = remaining >= 4 && at % 4 == 0 ? 4 : remaining >= 2 && at % 2 == 0 ? 2 : 1;
            if (write)
            {
                config.Write(at, buffer.Slice(done, width));
            }
            else
            {
                config.Read(at, buffer.Slice(done, width));
            }

            done += width;
        }

        return done;
    }

    /// <summary>vfio_pci_bar_rw and vfio_pci_core_do_io_rw: cut at the BAR's end, then the widest aligned accesses.</summary>
    private long BarAccess(int bar, Span<byte> buffer, ulong within, bool write)
    {
        var size = Device.BarSizes[bar];
        if (size == 0 || within >= size)
        {
            return -LinuxErrno.EINVAL;
        }

        var count = (int)Math.Min((ulong)buffer.Length, size - within);
        var done = 0;
        while (done < count)
        {
            // Each access checks memory decode under memory_lock (VFIO_IOREAD/VFIO_IOWRITE); I/O BARs don't.
            if (!Device.IsIoBar(bar) && !Device.MemoryDecode)
            {
                return -LinuxErrno.EIO;
            }

            var at = within + (ulong)done;
            var remaining = count - done;
            var width = remaining >= 8 && at % 8 == 0 ? 8 : remaining >= 4 && at % 4 == 0 ? 4 : remaining >= 2 && at % 2 == 0 ? 2 : 1;
            var chunk = buffer.Slice(done, width);
            if (Device.AreaOverlapping(bar, at) is { } area && area.Contains(at, (ulong)width))
            {
                var memory = area.Memory.Slice((int)(at - area.Offset), width);
                if (write)
                {
                    chunk.CopyTo(memory);
                }
                else
                {
                    memory.CopyTo(chunk);
                }
            }
            else if (write)
            {
                Device.WriteRegister(bar, at, width, width switch
                {
                    8 => BinaryPrimitives.ReadUInt64LittleEndian(chunk),
                    4 => BinaryPrimitives.ReadUInt32LittleEndian(chunk),
                    2 => BinaryPrimitives.ReadUInt16LittleEndian(chunk),
                    _ => chunk[0],
                });
            }
            else
            {
                var value = Device.ReadRegister(bar, at, width);
                for (var i = 0; i < width; i++)
                {
                    chunk[i] = (byte)(value >> (8 * i));
                }
            }

            done += width;
        }

        return count;
    }
}
