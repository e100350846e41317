using VfioSharp.Devices;
using VfioSharp.Kernel;

namespace VfioSharp.Regions;

/// <summary>
/// A device region with its mmap-able areas mapped into the process (<see cref="DeviceRegions.Map"/>): accesses
/// inside an area are single loads and stores of exactly their width through the mapping; elsewhere (a page the
/// kernel does not let userspace map: an MSI-X table on Linux, the simulated edu's register page) they are one
/// pread/pwrite of that width. Dispose unmaps the areas; the device's release unmaps the regions still mapped,
/// because a live mapping keeps the device fd's file open in the kernel (the VMA holds a reference), so the
/// device would not really be released.
/// </summary>
/// <remarks>Ordering, barriers and threads: see <see cref="MmioAccess"/>.</remarks>
public sealed class MappedRegion : MmioAccess, IDisposable
{
    private readonly IKernel _kernel;
    private readonly DeviceRegions _owner;

    private MappedRegion(VfioDevice device, RegionInfo info, MappedArea[] areas, DeviceRegions owner)
        : base(device, info, areas)
    {
        _kernel = device.Kernel;
        _owner = owner;
    }

    /// <summary>How many areas are mapped.</summary>
    public int MappedAreaCount => Areas.Count;

    /// <summary>Orders every earlier memory write (DMA descriptors) before every later one (a doorbell): <see cref="MmioAccess.Barrier"/>.</summary>
    public static void WriteBarrier() => Barrier();

    /// <summary>Unmaps the areas, after the accesses under way on other threads have finished.</summary>
    public void Dispose()
    {
        if (!CloseMappings())
        {
            return;
        }

        foreach (var area in Areas)
        {
            _ = _kernel.Munmap(area.Address, (nuint)area.Size);
        }

        _owner.Forget(this);
    }

    /// <summary>
    /// Maps every mmap-able area of a region (all of it, or the areas of its sparse-mmap capability), with the
    /// protection its flags allow; unmaps what it mapped when one mmap fails. The caller holds the device's gate.
    /// </summary>
    internal static MappedRegion Map(VfioDevice device, RegionInfo info, DeviceRegions owner)
    {
        var kernel = device.Kernel;
        var protection = (info.Readable ? MemoryProtection.Read : MemoryProtection.None) | (info.Writable ? MemoryProtection.Write : MemoryProtection.None);
        var mapped = new List<MappedArea>(info.MmapAreas.Count);
        var referenced = false;
        try
        {
            device.Handle.DangerousAddRef(ref referenced);
            foreach (var (offset, size) in info.MmapAreas)
            {
                var address = kernel.Mmap(0, (nuint)size, protection, MapFlags.Shared, device.Handle.DangerousGetFd(), (long)(info.Offset + offset));
                if (address is < 0 and >= -4095)
                {
                    throw VfioException.From(address, $"mapping 0x{size:x} bytes at offset 0x{offset:x} of {info.Name} of {device}");
                }

                mapped.Add(new MappedArea(offset, size, address));
            }

            return new MappedRegion(device, info, [.. mapped], owner);
        }
        catch
        {
            foreach (var area in mapped)
            {
                _ = kernel.Munmap(area.Address, (nuint)area.Size);
            }

            throw;
        }
        finally
        {
            if (referenced)
            {
                device.Handle.DangerousRelease();
            }
        }
    }
}
