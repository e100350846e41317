using VfioSharp.Kernel;

namespace VfioSharp.Dma;

/// <summary>
/// Memory a device can DMA to: an anonymous, page-aligned <c>mmap</c> (2 MiB pages when asked), which the GC
/// never sees and never moves. A buffer that is still mapped for DMA is unmapped from the process only after
/// its last IOMMU mapping is gone, so a device never DMAs into memory the process gave back.
/// </summary>
public sealed class DmaBuffer : IDisposable
{
    private readonly Lock _gate = new();
    private int _mappings;
    private bool _disposed;
    private bool _released;

    private DmaBuffer(IKernel kernel, nint address, nuint length, bool hugePages)
    {
        Kernel = kernel;
        Address = address;
        Length = length;
        HugePages = hugePages;
    }

    /// <summary>The kernel that mapped the memory.</summary>
    public IKernel Kernel { get; }

    /// <summary>The process address of the memory.</summary>
    public nint Address { get; }

    /// <summary>The length in bytes (a multiple of the page size).</summary>
    public nuint Length { get; }

    /// <summary>Whether the memory is backed by 2 MiB huge pages (physically contiguous per page).</summary>
    public bool HugePages { get; }

    /// <summary>Whether <see cref="Dispose"/> was called.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed);

    /// <summary>The memory, to fill or read.</summary>
    /// <exception cref="ObjectDisposedException">The buffer was disposed.</exception>
    public unsafe Span<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);

            // SAFETY: Address..Address+Length is a live anonymous mapping until the buffer is released, which
            // happens only after Dispose.
            return new Span<byte>((void*)Address, checked((int)Length));
        }
    }

    /// <summary>Maps <paramref name="length"/> bytes of anonymous memory, rounded up to the page size.</summary>
    /// <param name="kernel">The kernel to map it with.</param>
    /// <param name="length">The length in bytes; not 0.</param>
    /// <param name="hugePages">Use 2 MiB huge pages (they must be reserved: <c>/proc/sys/vm/nr_hugepages</c>).</param>
    /// <returns>The buffer.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is 0.</exception>
    /// <exception cref="VfioException">The kernel refused the mapping.</exception>
    public static DmaBuffer Allocate(IKernel kernel, nuint length, bool hugePages = false)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentOutOfRangeException.ThrowIfZero(length);
        var page = hugePages ? (nuint)(2 << 20) : 4096;
        var rounded = (length + page - 1) & ~(page - 1);
        // Populated at once: a page that was never touched has no physical address yet (pagemap reports it
        // absent), which no-IOMMU DMA needs; the tests/kernel run on Linux 7.3 showed it.
        var flags = MapFlags.Private | MapFlags.Anonymous | MapFlags.Populate | (hugePages ? MapFlags.HugeTlb : 0);
        var address = kernel.Mmap(0, rounded, MemoryProtection.Read | MemoryProtection.Write, flags, -1, 0);
        if (address is < 0 and >= -4095)
        {
            throw VfioException.From(address, $"mapping {rounded} bytes of DMA memory{(hugePages ? " in huge pages (are any reserved in /proc/sys/vm/nr_hugepages?)" : string.Empty)}");
        }

        return new DmaBuffer(kernel, address, rounded, hugePages);
    }

    /// <summary>Gives the memory back to the kernel, now or when its last DMA mapping is unmapped.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            ReleaseIfUnused();
        }
    }

    /// <summary>A mapping of this buffer was made: the memory stays until it is unmapped.</summary>
    internal bool TryAddMapping()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return false;
            }

            _mappings++;
            return true;
        }
    }

    internal void RemoveMapping()
    {
        lock (_gate)
        {
            _mappings--;
            ReleaseIfUnused();
        }
    }

    private void ReleaseIfUnused()
    {
        if (_disposed && _mappings == 0 && !_released)
        {
            _released = true;
            _ = Kernel.Munmap(Address, Length);
        }
    }
}
