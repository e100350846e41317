using System.Runtime.InteropServices;
using VfioSharp.Kernel;
using VfioSharp.Simulation.Core;

namespace VfioSharp.Simulation.Memory;

/// <summary>
/// The simulated process's memory mappings, backed by real native memory: what the runtime writes there, a
/// simulated device's DMA reads. Each anonymous mapping gets physically contiguous fake page frame numbers
/// (for <c>/proc/self/pagemap</c> and no-IOMMU DMA) and is accounted when pinned for DMA.
/// </summary>
/// <remarks>
/// Memory that an IOMMU page table still refers to outlives its munmap, as pinned pages outlive their VMA on Linux:
/// the mapping leaves the address space at once (the process can't reach it, pagemap shows nothing there), but its
/// native memory is freed only when no page table refers to it any more. So a device's DMA through a stale mapping
/// lands in memory that still exists, never in memory the test process reused.
/// </remarks>
internal sealed class SimulatedMemory(SimulatedKernel kernel)
{
    private const ulong PageSize = 4096;
    private const ulong HugePageSize = 2UL << 20;

    private readonly SortedDictionary<nint, MemoryMapping> _mappings = [];

    // Unmapped by the process while an IOMMU mapping still referred to them: freed by Sweep.
    private readonly List<MemoryMapping> _retired = [];

    // Fake physical memory starts at 1 GiB, as if the kernel and firmware used what lies below.
    private ulong _nextPfn = (1UL << 30) / PageSize;

    public int MappingCount => _mappings.Count;

    public ulong LockedBytes { get; private set; }

    /// <summary>Memory unmapped by the process but kept because an IOMMU mapping still refers to it.</summary>
    public int RetiredCount => _retired.Count;

    public unsafe nint MapAnonymous(nuint length, MemoryProtection protection, MapFlags flags)
    {
        Sweep();
        var alignment = (flags & MapFlags.HugeTlb) != 0 ? HugePageSize : PageSize;
        var size = ((ulong)length + alignment - 1) & ~(alignment - 1);

        // SAFETY: a fresh, zeroed allocation of `size` bytes that only this mapping refers to; freed in Unmap or Sweep.
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

    /// <summary>
    /// munmap: 0 for exactly one whole mapping, or for a range where nothing is mapped (as Linux); EINVAL for an
    /// unaligned address or a zero length. Unmapping part of a mapping is not simulated (the runtime always
    /// unmaps what it mapped) and answers EINVAL, so a test that does it notices.
    /// </summary>
    public int Unmap(nint address, nuint length)
    {
        if ((address & (nint)(PageSize - 1)) != 0 || length == 0)
        {
            return -LinuxErrno.EINVAL;
        }

        var size = ((ulong)length + PageSize - 1) & ~(PageSize - 1);
        if (!_mappings.TryGetValue(address, out var mapping))
        {
            return Intersects((ulong)address, size) ? -LinuxErrno.EINVAL : 0;
        }

        if (size != mapping.Length)
        {
            return -LinuxErrno.EINVAL;
        }

        _mappings.Remove(address);
        if (mapping.Owned)
        {
            _retired.Add(mapping);
        }

        Sweep();
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

    /// <summary>The virtual address of a physical one, for no-IOMMU DMA; 0 when no mapping holds all of it.</summary>
    public nint VirtualOf(ulong physical, ulong length)
    {
        foreach (var mapping in _mappings.Values)
        {
            var first = mapping.FirstPfn * PageSize;
            if (mapping.Owned && physical >= first && length <= mapping.Length && physical - first <= mapping.Length - length)
            {
                return (nint)((ulong)mapping.Address + (physical - first));
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

    public void Unpin(ulong length)
    {
        LockedBytes -= Math.Min(length, LockedBytes);
        Sweep();
    }

    /// <summary>Frees retired memory that no IOMMU page table refers to any more.</summary>
    public unsafe void Sweep()
    {
        for (var i = _retired.Count - 1; i >= 0; i--)
        {
            var mapping = _retired[i];
            if (!Referenced(mapping))
            {
                _retired.RemoveAt(i);

                // SAFETY: allocated by AlignedAlloc in MapAnonymous; out of the address space and of every page table.
                NativeMemory.AlignedFree((void*)mapping.Address);
            }
        }
    }

    private bool Intersects(ulong address, ulong length)
        => _mappings.Values.Any(m => address < (ulong)m.Address + m.Length && (ulong)m.Address < address + length);

    private bool Referenced(MemoryMapping mapping)
    {
        var start = (ulong)mapping.Address;
        var end = start + mapping.Length;
        foreach (var table in kernel.IoPageTables)
        {
            foreach (var io in table.Mappings)
            {
                if (io.HostAddress < end && start < io.HostAddress + io.Length)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
