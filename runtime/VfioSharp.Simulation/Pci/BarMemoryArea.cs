using System.Runtime.CompilerServices;

namespace VfioSharp.Simulation.Pci;

/// <summary>
/// Plain memory behind an mmap-able part of a BAR: what an mmap of it returns and what pread/pwrite at its
/// offsets read and write, so both views agree. Page-aligned, on the pinned object heap: its address never
/// changes and the collector frees it with the device.
/// </summary>
internal sealed unsafe class BarMemoryArea
{
    private const int PageSize = 4096;
    private readonly byte[] _storage;
    private readonly int _start;

    public BarMemoryArea(ulong offset, ulong size, byte fill)
    {
        Offset = offset;
        Size = size;
        _storage = GC.AllocateArray<byte>(checked((int)size + PageSize), pinned: true);

        // SAFETY: the array is on the pinned object heap, so its address is stable for its lifetime.
        var address = (nint)Unsafe.AsPointer(ref _storage[0]);
        _start = (int)((PageSize - (address & (PageSize - 1))) & (PageSize - 1));
        Memory.Fill(fill);
    }

    public ulong Offset { get; }

    public ulong Size { get; }

    /// <summary>Where the area starts in the process.</summary>
    // SAFETY: pinned for the array's lifetime (see the constructor); _start keeps the area inside the array.
    public nint Address => (nint)Unsafe.AsPointer(ref _storage[_start]);

    public Span<byte> Memory => _storage.AsSpan(_start, (int)Size);

    public bool Contains(ulong offset, ulong length) => offset >= Offset && offset - Offset <= Size && length <= Size - (offset - Offset);
}
