using System.Runtime.InteropServices;
using VfioSharp.Kernel;
using VfioSharp.Simulation.Core;

namespace VfioSharp.Simulation.Memory;

/// <summary>
/// The simulated process's memory mappings, backed by real native memory: what the runtime writes there, a
/// simulated device's DMA reads. Each anonymous mapping gets physically contiguous fake page frame numbers
/// (for <c>/proc/self/pagemap</c> and no-IOMMU DMA) and is accounted when pinned for DMA.
/// </summary>
internal sealed class SimulatedMemory(SimulatedKernel kernel)
{
    private const ulong PageSize = 4096;
    private const ulong HugePageSize = 2UL << 20;

    private readonly SortedDictionary<nint, MemoryMapping> _mappings = [];

    // Fake physical memory starts at 1 GiB, as if the kernel and firmware used what lies below.
    private ulong _nextPfn = (1UL << 30) / PageSize;

    public int MappingCount => _mappings.Count;

    public ulong LockedBytes { get; private set; }

    public unsafe nint MapAnonymous(nuint length, MemoryProtection protection, MapFlags flags)
    {
        var alignment = (flags & MapFlags.HugeTlb) != 0 ? HugePageSize : PageSize;
        var size = ((ulong)length + alignment - 1) & ~(alignment - 1);

        // SAFETY: a fresh, zeroed allocation of `size` bytes that only this mapping refers to; freed in Unmap.
        var memory = (nint)NativeMemory.AlignedAlloc((nuint)size, (nuint)alignment);
        if (memory == 0)
        {
            return -LinuxErrno.ENOMEM;
        }

        NativeMemory.Clear((void*)memory, (nuint)size);
        var pfn = (_nextPfn + alignment / PageSize - 1) & ~(alignment / PageSize - 1);
        _nextPfn = pfn + size / PageSize;
        _mappings.Add(memory, new MemoryMapping(memory, size, protection, pfn, Owned: true));
        return memory;
    }

    /// <summary>A view of memory a device owns (a BAR's mmap-able area): unmapping leaves the memory to the device.</summary>
    public nint MapDeviceMemory(nint memory, ulong length, MemoryProtection protection)
    {
        if (_mappings.ContainsKey(memory))
        {
            // One view per device area at a time: a second mmap of the same area gets the same answer Linux
            // gives when address space is short.
            return -LinuxErrno.ENOMEM;
        }

        _mappings.Add(memory, new MemoryMapping(memory, length, protection, 0, Owned: false));
        return memory;
    }

    public unsafe int Unmap(nint address, nuint length)
    {
        if ((address & (nint)(PageSize - 1)) != 0 || length == 0)
        {
            return -LinuxErrno.EINVAL;
        }

        if (!_mappings.TryGetValue(address, out var mapping))
        {
            // Linux returns 0 for a range with nothing mapped.
            return 0;
        }

        var size = ((ulong)length + PageSize - 1) & ~(PageSize - 1);
        if (size != mapping.Length)
        {
            // Partial unmaps are not simulated: the runtime always unmaps what it mapped.
            return -LinuxErrno.EINVAL;
        }

        _mappings.Remove(address);
        if (mapping.Owned)
        {
            // SAFETY: allocated by AlignedAlloc in MapAnonymous and removed from the table above.
            NativeMemory.AlignedFree((void*)address);
        }

        return 0;
    }

    /// <summary>The mapping that holds [address, address + length), if one does.</summary>
    public MemoryMapping? Find(ulong address, ulong length)
    {
        foreach (var mapping in _mappings.Values)
        {
            if (mapping.Contains(address, length))
            {
                return mapping;
            }
        }

        return null;
    }

    /// <summary>The page frame number of a virtual address, or 0 when no anonymous mapping holds it.</summary>
    public ulong PfnOf(ulong address)
        => Find(address, 1) is { Owned: true } mapping ? mapping.FirstPfn + ((address - (ulong)mapping.Address) / PageSize) : 0;

    /// <summary>The virtual address of a physical one, for no-IOMMU DMA; 0 when no mapping holds it.</summary>
    public nint VirtualOf(ulong physical, ulong length)
    {
        var pfn = physical / PageSize;
        foreach (var mapping in _mappings.Values)
        {
            if (mapping.Owned && pfn >= mapping.FirstPfn && physical - (mapping.FirstPfn * PageSize) + length <= mapping.Length)
            {
                return (nint)((ulong)mapping.Address + (physical - (mapping.FirstPfn * PageSize)));
            }
        }

        return 0;
    }

    /// <summary>Pins memory for DMA, as pin_user_pages with RLIMIT_MEMLOCK accounting: 0, -EFAULT or -ENOMEM.</summary>
    public int Pin(ulong address, ulong length, bool write)
    {
        if (Find(address, length) is not { Owned: true } mapping
            || (write && (mapping.Protection & MemoryProtection.Write) == 0))
        {
            return -LinuxErrno.EFAULT;
        }

        if (!kernel.Options.Root && LockedBytes + length > kernel.Options.MemlockLimitBytes)
        {
            return -LinuxErrno.ENOMEM;
        }

        LockedBytes += length;
        return 0;
    }

    public void Unpin(ulong length) => LockedBytes -= Math.Min(length, LockedBytes);
}
