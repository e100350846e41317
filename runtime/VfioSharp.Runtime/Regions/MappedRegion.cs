using VfioSharp.Devices;
using VfioSharp.Kernel;

namespace VfioSharp.Regions;

/// <summary>
/// A device region with its mmap-able areas mapped into the process: register accesses inside an area are
/// single loads and stores of exactly their width through the mapping; elsewhere (a register page the kernel
/// does not let userspace map, e.g. an MSI-X table) they fall back to one pread/pwrite of that width.
/// </summary>
/// <remarks>
/// Ordering: each access is a <see cref="Volatile"/> load or store, so the JIT neither merges, splits,
/// reorders nor drops it, and loads have acquire and stores release semantics. VFIO maps BARs uncached
/// (x86: UC, strongly ordered; arm64: Device-nGnRE, ordered per device), which keeps MMIO accesses in
/// program order. What a driver must still order is its normal-memory writes (DMA descriptors in a
/// <see cref="Dma.DmaBuffer"/>) before a doorbell write: call <see cref="WriteBarrier"/> between them (a full
/// fence: <c>mfence</c> / <c>dmb ish</c>, stronger than wmb, as .NET offers no weaker one).
/// </remarks>
public sealed unsafe class MappedRegion : IDisposable
{
    private readonly VfioDevice _device;
    private readonly IKernel _kernel;
    private readonly (ulong Offset, ulong Size, nint Address)[] _areas;
    private bool _disposed;

    private MappedRegion(VfioDevice device, RegionInfo info, (ulong, ulong, nint)[] areas)
    {
        _device = device;
        _kernel = device.Vfio.Kernel;
        Info = info;
        _areas = areas;
    }

    /// <summary>The region.</summary>
    public RegionInfo Info { get; }

    /// <summary>How many areas are mapped.</summary>
    public int MappedAreaCount => _areas.Length;

    /// <summary>Reads 32 bits at <paramref name="offset"/> in the region.</summary>
    /// <param name="offset">4-byte aligned.</param>
    /// <returns>The value.</returns>
    public uint Read32(ulong offset) => Pointer(offset, 4) is var p and not null ? Volatile.Read(ref *(uint*)p) : _device.Read32(Info.Index, offset);

    /// <summary>Writes 32 bits at <paramref name="offset"/> in the region.</summary>
    /// <param name="offset">4-byte aligned.</param>
    /// <param name="value">The value.</param>
    public void Write32(ulong offset, uint value)
    {
        if (Pointer(offset, 4) is var p and not null)
        {
            Volatile.Write(ref *(uint*)p, value);
        }
        else
        {
            _device.Write32(Info.Index, offset, value);
        }
    }

    /// <summary>Reads 64 bits at <paramref name="offset"/>: one 8-byte load.</summary>
    /// <param name="offset">8-byte aligned.</param>
    /// <returns>The value.</returns>
    public ulong Read64(ulong offset) => Pointer(offset, 8) is var p and not null ? Volatile.Read(ref *(ulong*)p) : _device.Read64(Info.Index, offset);

    /// <summary>Writes 64 bits at <paramref name="offset"/>: one 8-byte store.</summary>
    /// <param name="offset">8-byte aligned.</param>
    /// <param name="value">The value.</param>
    public void Write64(ulong offset, ulong value)
    {
        if (Pointer(offset, 8) is var p and not null)
        {
            Volatile.Write(ref *(ulong*)p, value);
        }
        else
        {
            _device.Write64(Info.Index, offset, value);
        }
    }

    /// <summary>Reads 16 bits at <paramref name="offset"/>.</summary>
    /// <param name="offset">2-byte aligned.</param>
    /// <returns>The value.</returns>
    public ushort Read16(ulong offset) => Pointer(offset, 2) is var p and not null ? Volatile.Read(ref *(ushort*)p) : _device.Read16(Info.Index, offset);

    /// <summary>Writes 16 bits at <paramref name="offset"/>.</summary>
    /// <param name="offset">2-byte aligned.</param>
    /// <param name="value">The value.</param>
    public void Write16(ulong offset, ushort value)
    {
        if (Pointer(offset, 2) is var p and not null)
        {
            Volatile.Write(ref *(ushort*)p, value);
        }
        else
        {
            _device.Write16(Info.Index, offset, value);
        }
    }

    /// <summary>Reads 8 bits at <paramref name="offset"/>.</summary>
    /// <param name="offset">The offset.</param>
    /// <returns>The value.</returns>
    public byte Read8(ulong offset) => Pointer(offset, 1) is var p and not null ? Volatile.Read(ref *p) : _device.Read8(Info.Index, offset);

    /// <summary>Writes 8 bits at <paramref name="offset"/>.</summary>
    /// <param name="offset">The offset.</param>
    /// <param name="value">The value.</param>
    public void Write8(ulong offset, byte value)
    {
        if (Pointer(offset, 1) is var p and not null)
        {
            Volatile.Write(ref *p, value);
        }
        else
        {
            _device.Write8(Info.Index, offset, value);
        }
    }

    /// <summary>Orders every earlier memory write (DMA descriptors) before every later one (a doorbell).</summary>
    public static void WriteBarrier() => Interlocked.MemoryBarrier();

    /// <summary>Unmaps the areas.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var (_, size, address) in _areas)
        {
            _ = _kernel.Munmap(address, (nuint)size);
        }
    }

    /// <summary>Maps every mmap-able area of a region; unmaps what it mapped when one fails.</summary>
    internal static MappedRegion Map(VfioDevice device, RegionInfo info)
    {
        var kernel = device.Vfio.Kernel;
        var mapped = new List<(ulong, ulong, nint)>();
        try
        {
            foreach (var (offset, size) in info.MmapAreas)
            {
                var address = kernel.Mmap(0, (nuint)size, MemoryProtection.Read | MemoryProtection.Write, MapFlags.Shared, device.Handle.DangerousGetFd(), (long)(info.Offset + offset));
                if (address is < 0 and >= -4095)
                {
                    throw VfioException.From(address, $"mapping {size} bytes at offset 0x{offset:x} of region {info.Index} of {device}");
                }

                mapped.Add((offset, size, address));
            }

            return new MappedRegion(device, info, [.. mapped]);
        }
        catch
        {
            foreach (var (_, size, address) in mapped)
            {
                _ = kernel.Munmap(address, (nuint)size);
            }

            throw;
        }
    }

    private byte* Pointer(ulong offset, int width)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (offset % (ulong)width != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"a {width}-byte access at offset 0x{offset:x} of region {Info.Index} is not aligned");
        }

        foreach (var (areaOffset, size, address) in _areas)
        {
            if (offset >= areaOffset && offset - areaOffset <= size - (ulong)width)
            {
                return (byte*)address + (offset - areaOffset);
            }
        }

        return null;
    }
}
