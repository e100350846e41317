using System.Buffers.Binary;
using VfioSharp.Kernel;
using VfioSharp.Simulation.Containers;
using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.EventFds;
using VfioSharp.Uapi;

namespace VfioSharp.Simulation.Pci;

/// <summary>
/// A vfio-pci device fd (<c>drivers/vfio/pci/vfio_pci_core.c</c>, <c>vfio_pci_rdwr.c</c>, <c>vfio_pci_intrs.c</c>):
/// device, region and interrupt info, SET_IRQS, reset, region pread/pwrite at <c>index &lt;&lt; 40</c>, BAR mmap.
/// </summary>
internal abstract unsafe class VfioPciDeviceFile(SimulatedKernel kernel, SimulatedPciFunction function) : SimulatedFile(kernel)
{
    private const int RegionShift = 40;
    private const uint NumRegions = 9;
    private const uint NumIrqs = 5;

    public SimulatedPciFunction Function { get; } = function;

    private SimulatedPciDevice Device => Function.Device;

    public override long Ioctl(ulong request, nint argument)
    {
        if (argument == 0 && request is vfio.VFIO_DEVICE_GET_INFO or vfio.VFIO_DEVICE_GET_REGION_INFO or vfio.VFIO_DEVICE_GET_IRQ_INFO or vfio.VFIO_DEVICE_SET_IRQS)
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
            vfio.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO => -LinuxErrno.ENODEV,
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

    public override long PRead(Span<byte> buffer, long offset) => Access(buffer, offset, write: false);

    public override long PWrite(ReadOnlySpan<byte> buffer, long offset)
    {
        // Access takes a writable span for both directions; a write only reads from it.
        var copy = buffer.Length <= 256 ? stackalloc byte[buffer.Length] : new byte[buffer.Length];
        buffer.CopyTo(copy);
        return Access(copy, offset, write: true);
    }

    public override nint Mmap(nuint length, MemoryProtection protection, MapFlags flags, long offset)
    {
        var index = (int)((ulong)offset >> RegionShift);
        var within = (ulong)offset & ((1UL << RegionShift) - 1);
        if ((flags & MapFlags.Shared) == 0 || index >= 6 || Device.BarSizes[index] < 4096)
        {
            return -LinuxErrno.EINVAL;
        }

        var barEnd = (Device.BarSizes[index] + 4095) & ~4095UL;
        if (within + length > barEnd)
        {
            return -LinuxErrno.EINVAL;
        }

        foreach (var (areaOffset, areaSize) in Device.MmapAreas(index))
        {
            if (within == areaOffset && (ulong)length <= areaSize && Device.AreaMemory(index, areaOffset) is var memory and not 0)
            {
                return Kernel.Memory.MapDeviceMemory(memory, (ulong)length, protection);
            }
        }

        // Outside the areas the region's sparse-mmap capability lists (the simulation's register page).
        return -LinuxErrno.EINVAL;
    }

    private long GetInfo(nint argument)
    {
        // SAFETY: the caller passes a vfio_device_info; argsz is checked before the rest is written.
        ref var info = ref *(vfio_device_info*)argument;
        if (info.argsz < 16)
        {
            return -LinuxErrno.EINVAL;
        }

        info.flags = (uint)vfio.VFIO_DEVICE_FLAGS_PCI | (Device.SupportsReset ? (uint)vfio.VFIO_DEVICE_FLAGS_RESET : 0);
        info.num_regions = NumRegions;
        info.num_irqs = NumIrqs;
        if (info.argsz >= 24)
        {
            info.cap_offset = 0;
        }

        return 0;
    }

    private long GetRegionInfo(nint argument)
    {
        // SAFETY: the caller passes a vfio_region_info and argsz - 32 bytes after it for capabilities.
        ref var info = ref *(vfio_region_info*)argument;
        if (info.argsz < 32 || info.index >= NumRegions || info.index == vfio.VFIO_PCI_VGA_REGION_INDEX)
        {
            return -LinuxErrno.EINVAL;
        }

        var index = (int)info.index;
        info.offset = (ulong)index << RegionShift;
        info.cap_offset = 0;
        const uint readWrite = (uint)(vfio.VFIO_REGION_INFO_FLAG_READ | vfio.VFIO_REGION_INFO_FLAG_WRITE);
        if (info.index == vfio.VFIO_PCI_CONFIG_REGION_INDEX)
        {
            info.size = (ulong)Device.ConfigSize;
            info.flags = readWrite;
            return 0;
        }

        if (info.index == vfio.VFIO_PCI_ROM_REGION_INDEX || Device.BarSizes[index] == 0)
        {
            info.size = 0;
            info.flags = 0;
            return 0;
        }

        info.size = Device.BarSizes[index];
        info.flags = readWrite;
        var areas = Device.MmapAreas(index);
        if (areas.Count == 0)
        {
            return 0;
        }

        info.flags |= (uint)(vfio.VFIO_REGION_INFO_FLAG_MMAP | vfio.VFIO_REGION_INFO_FLAG_CAPS);
        var capability = new byte[16 + (areas.Count * 16)];
        BinaryPrimitives.WriteUInt32LittleEndian(capability.AsSpan(8), (uint)areas.Count);
        for (var i = 0; i < areas.Count; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(capability.AsSpan(16 + (i * 16)), areas[i].Offset);
            BinaryPrimitives.WriteUInt64LittleEndian(capability.AsSpan(24 + (i * 16)), areas[i].Size);
        }

        var chain = new CapabilityChainBuilder(sizeof(vfio_region_info));
        chain.Add(vfio.VFIO_REGION_INFO_CAP_SPARSE_MMAP, 1, capability);
        var caps = chain.ToArray();
        var needed = (uint)(sizeof(vfio_region_info) + caps.Length);
        if (info.argsz < needed)
        {
            info.argsz = needed;
            return 0;
        }

        info.cap_offset = (uint)sizeof(vfio_region_info);
        caps.CopyTo(new Span<byte>((byte*)argument + sizeof(vfio_region_info), caps.Length));
        return 0;
    }

    private uint IrqCount(uint index) => index switch
    {
        vfio.VFIO_PCI_INTX_IRQ_INDEX => Device.HasInterruptPin ? 1u : 0,
        vfio.VFIO_PCI_MSI_IRQ_INDEX => (uint)Device.MsiVectors,
        vfio.VFIO_PCI_MSIX_IRQ_INDEX => 0,
        vfio.VFIO_PCI_ERR_IRQ_INDEX => Device.IsPciExpress ? 1u : 0,
        vfio.VFIO_PCI_REQ_IRQ_INDEX => 1,
        _ => 0,
    };

    private long GetIrqInfo(nint argument)
    {
        // SAFETY: the caller passes a vfio_irq_info.
        ref var info = ref *(vfio_irq_info*)argument;
        if (info.argsz < 16 || info.index >= NumIrqs || (info.index == vfio.VFIO_PCI_ERR_IRQ_INDEX && !Device.IsPciExpress))
        {
            return -LinuxErrno.EINVAL;
        }

        info.flags = (uint)vfio.VFIO_IRQ_INFO_EVENTFD;
        info.count = IrqCount(info.index);
        if (info.index == vfio.VFIO_PCI_INTX_IRQ_INDEX)
        {
            info.flags |= (uint)(vfio.VFIO_IRQ_INFO_MASKABLE | vfio.VFIO_IRQ_INFO_AUTOMASKED);
        }
        else if (info.index != vfio.VFIO_PCI_REQ_IRQ_INDEX)
        {
            info.flags |= (uint)vfio.VFIO_IRQ_INFO_NORESIZE;
        }

        return 0;
    }

    private long SetIrqs(nint argument)
    {
        // SAFETY: the caller passes a vfio_irq_set followed by argsz - 20 bytes of data.
        ref var set = ref *(vfio_irq_set*)argument;
        const uint dataMask = (uint)vfio.VFIO_IRQ_SET_DATA_TYPE_MASK;
        const uint actionMask = (uint)vfio.VFIO_IRQ_SET_ACTION_TYPE_MASK;
        if (set.argsz < 20 || set.index >= NumIrqs || (set.flags & ~(dataMask | actionMask)) != 0 || set.count >= uint.MaxValue - set.start)
        {
            return -LinuxErrno.EINVAL;
        }

        var max = IrqCount(set.index);
        if (set.start >= max || set.start + set.count > max)
        {
            return -LinuxErrno.EINVAL;
        }

        var dataType = set.flags & dataMask;
        var size = dataType switch
        {
            (uint)vfio.VFIO_IRQ_SET_DATA_NONE => 0,
            (uint)vfio.VFIO_IRQ_SET_DATA_BOOL => 1,
            (uint)vfio.VFIO_IRQ_SET_DATA_EVENTFD => 4,
            _ => -1,
        };
        if (size < 0 || set.argsz - 20 < set.count * (ulong)size)
        {
            return -LinuxErrno.EINVAL;
        }

        var action = set.flags & actionMask;
        if (action is not ((uint)vfio.VFIO_IRQ_SET_ACTION_MASK or (uint)vfio.VFIO_IRQ_SET_ACTION_UNMASK or (uint)vfio.VFIO_IRQ_SET_ACTION_TRIGGER))
        {
            return -LinuxErrno.ENOTTY;
        }

        var data = new ReadOnlySpan<byte>((byte*)argument + 20, (int)(set.count * (uint)size));
        return set.index switch
        {
            vfio.VFIO_PCI_INTX_IRQ_INDEX => SetIntx(action, dataType, set.start, set.count, data),
            vfio.VFIO_PCI_MSI_IRQ_INDEX or vfio.VFIO_PCI_MSIX_IRQ_INDEX => SetMsi(set.index == vfio.VFIO_PCI_MSIX_IRQ_INDEX, action, dataType, set.start, set.count, data),
            _ => SetTrigger(set.index, action, dataType, set.count, data),
        };
    }

    private long SetIntx(uint action, uint dataType, uint start, uint count, ReadOnlySpan<byte> data)
    {
        var interrupts = Function.Interrupts;
        if (action != (uint)vfio.VFIO_IRQ_SET_ACTION_TRIGGER)
        {
            if (action == (uint)vfio.VFIO_IRQ_SET_ACTION_MASK && dataType == (uint)vfio.VFIO_IRQ_SET_DATA_EVENTFD)
            {
                return -LinuxErrno.ENOTTY;
            }

            if (!interrupts.IntxEnabled || start != 0 || count != 1)
            {
                return -LinuxErrno.EINVAL;
            }

            if (dataType == (uint)vfio.VFIO_IRQ_SET_DATA_BOOL && data[0] == 0)
            {
                return 0;
            }

            if (action == (uint)vfio.VFIO_IRQ_SET_ACTION_MASK)
            {
                interrupts.IntxMasked = true;
            }
            else
            {
                interrupts.Unmask();
            }

            return 0;
        }

        if (dataType == (uint)vfio.VFIO_IRQ_SET_DATA_NONE && count == 0)
        {
            interrupts.IntxEnabled = false;
            interrupts.Intx = null;
            return 0;
        }

        if (dataType != (uint)vfio.VFIO_IRQ_SET_DATA_EVENTFD)
        {
            return 0;
        }

        if (interrupts.Msi is not null)
        {
            return -LinuxErrno.EINVAL;
        }

        var fd = BinaryPrimitives.ReadInt32LittleEndian(data);
        if (fd < 0)
        {
            interrupts.IntxEnabled = false;
            interrupts.Intx = null;
            return 0;
        }

        if (Kernel.FileOf(fd) is not EventFdFile eventFd)
        {
            return -LinuxErrno.EBADF;
        }

        interrupts.Intx = eventFd;
        interrupts.IntxEnabled = true;
        interrupts.IntxMasked = false;
        return 0;
    }

    private long SetMsi(bool msix, uint action, uint dataType, uint start, uint count, ReadOnlySpan<byte> data)
    {
        var interrupts = Function.Interrupts;
        if (action != (uint)vfio.VFIO_IRQ_SET_ACTION_TRIGGER)
        {
            return -LinuxErrno.ENOTTY;
        }

        if (dataType == (uint)vfio.VFIO_IRQ_SET_DATA_NONE && count == 0)
        {
            interrupts.Msi = null;
            return 0;
        }

        if (dataType != (uint)vfio.VFIO_IRQ_SET_DATA_EVENTFD)
        {
            for (var i = start; i < start + count; i++)
            {
                if (dataType == (uint)vfio.VFIO_IRQ_SET_DATA_NONE || data[(int)(i - start)] != 0)
                {
                    interrupts.TriggerMsi((int)i);
                }
            }

            return 0;
        }

        if (interrupts.IntxEnabled || (interrupts.Msi is not null && interrupts.MsiIsMsix != msix))
        {
            return -LinuxErrno.EINVAL;
        }

        var vectors = new EventFdFile?[start + count];
        for (var i = 0; i < count; i++)
        {
            var fd = BinaryPrimitives.ReadInt32LittleEndian(data.Slice(i * 4));
            if (fd < 0)
            {
                continue;
            }

            if (Kernel.FileOf(fd) is not EventFdFile eventFd)
            {
                return -LinuxErrno.EBADF;
            }

            vectors[start + i] = eventFd;
        }

        interrupts.Msi = vectors;
        interrupts.MsiIsMsix = msix;
        return 0;
    }

    private long SetTrigger(uint index, uint action, uint dataType, uint count, ReadOnlySpan<byte> data)
    {
        var interrupts = Function.Interrupts;
        var current = index == vfio.VFIO_PCI_ERR_IRQ_INDEX ? interrupts.Error : interrupts.Request;
        if (action != (uint)vfio.VFIO_IRQ_SET_ACTION_TRIGGER || count != 1)
        {
            return -LinuxErrno.EINVAL;
        }

        if (dataType != (uint)vfio.VFIO_IRQ_SET_DATA_EVENTFD)
        {
            current?.Signal();
            return 0;
        }

        var fd = BinaryPrimitives.ReadInt32LittleEndian(data);
        EventFdFile? next = null;
        if (fd < 0)
        {
            if (current is null)
            {
                return -LinuxErrno.EINVAL;
            }
        }
        else if (Kernel.FileOf(fd) is EventFdFile eventFd)
        {
            next = eventFd;
        }
        else
        {
            return -LinuxErrno.EBADF;
        }

        if (index == vfio.VFIO_PCI_ERR_IRQ_INDEX)
        {
            interrupts.Error = next;
        }
        else
        {
            interrupts.Request = next;
        }

        return 0;
    }

    private long Reset()
    {
        if (!Device.SupportsReset)
        {
            return -LinuxErrno.EINVAL;
        }

        Device.Reset();
        return 0;
    }

    private long Access(Span<byte> buffer, long offset, bool write)
    {
        var index = (ulong)offset >> RegionShift;
        var within = (ulong)offset & ((1UL << RegionShift) - 1);
        if (index >= NumRegions || index == vfio.VFIO_PCI_VGA_REGION_INDEX)
        {
            return -LinuxErrno.EINVAL;
        }

        if (index == vfio.VFIO_PCI_CONFIG_REGION_INDEX)
        {
            if (within >= (ulong)Device.ConfigSize || within + (ulong)buffer.Length > (ulong)Device.ConfigSize)
            {
                return -LinuxErrno.EFAULT;
            }

            if (write)
            {
                Device.WriteConfig((int)within, buffer);
            }
            else
            {
                Device.ReadConfig((int)within, buffer);
            }

            return buffer.Length;
        }

        if (index == vfio.VFIO_PCI_ROM_REGION_INDEX || Device.BarSizes[(int)index] is var size && size == 0 || within >= Device.BarSizes[(int)index])
        {
            return -LinuxErrno.EINVAL;
        }

        if (!Device.MemoryDecode)
        {
            return -LinuxErrno.EIO;
        }

        // An access that runs past the BAR is cut at its end, as vfio_pci_bar_rw does.
        var count = (int)Math.Min((ulong)buffer.Length, Device.BarSizes[(int)index] - within);
        var done = 0;
        while (done < count)
        {
            var at = within + (ulong)done;
            var width = (count - done) >= 8 && at % 8 == 0 ? 8 : (count - done) >= 4 && at % 4 == 0 ? 4 : (count - done) >= 2 && at % 2 == 0 ? 2 : 1;
            var chunk = buffer.Slice(done, width);
            if (write)
            {
                ulong value = width switch
                {
                    8 => BinaryPrimitives.ReadUInt64LittleEndian(chunk),
                    4 => BinaryPrimitives.ReadUInt32LittleEndian(chunk),
                    2 => BinaryPrimitives.ReadUInt16LittleEndian(chunk),
                    _ => chunk[0],
                };
                Device.WriteRegister((int)index, at, width, value);
            }
            else
            {
                var value = Device.ReadRegister((int)index, at, width);
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
