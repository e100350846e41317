using System.Buffers.Binary;
using VfioSharp.Kernel;
using VfioSharp.Simulation.Core;

namespace VfioSharp.Simulation.Tests.KernelCore;

/// <summary>Anonymous mmap backed by real memory, munmap, and /proc/self/pagemap's view of it.</summary>
public sealed unsafe class MemoryTests
{
    private const MemoryProtection ReadWrite = MemoryProtection.Read | MemoryProtection.Write;
    private const MapFlags Anonymous = MapFlags.Private | MapFlags.Anonymous;

    [Fact]
    public void Anonymous_memory_is_zeroed_page_aligned_and_really_usable()
    {
        var kernel = new SimulatedKernel();
        var address = kernel.Mmap(0, 5000, ReadWrite, Anonymous, -1, 0);
        Assert.True(address > 0);
        Assert.Equal(0, address & 0xfff);

        // SAFETY: the mapping is 8192 bytes (5000 rounded up to pages) and stays mapped until Munmap below.
        var bytes = new Span<byte>((void*)address, 8192);
        Assert.True(bytes.IndexOfAnyExcept((byte)0) < 0);
        bytes.Fill(0x5a);
        Assert.Equal(1, kernel.MemoryMappingCount);
        Assert.Equal(0, kernel.Munmap(address, 5000));
        Assert.Equal(0, kernel.MemoryMappingCount);
    }

    [Fact]
    public void Huge_page_mappings_are_2_MiB_aligned()
    {
        var kernel = new SimulatedKernel();
        var address = kernel.Mmap(0, 4096, ReadWrite, Anonymous | MapFlags.HugeTlb, -1, 0);
        Assert.Equal(0, address & ((2 << 20) - 1));
        Assert.Equal(0, kernel.Munmap(address, 2 << 20));
    }

    [Fact]
    public void Mmap_refuses_what_Linux_refuses()
    {
        var kernel = new SimulatedKernel();
        Assert.Equal(-KernelErrno.EINVAL, (long)kernel.Mmap(0, 0, ReadWrite, Anonymous, -1, 0));
        Assert.Equal(-KernelErrno.EINVAL, (long)kernel.Mmap(0, 4096, ReadWrite, MapFlags.Anonymous, -1, 0));
        Assert.Equal(-KernelErrno.EINVAL, (long)kernel.Mmap(0, 4096, ReadWrite, Anonymous | MapFlags.Shared, -1, 0));
        Assert.Equal(-KernelErrno.EINVAL, (long)kernel.Mmap(0, 4096, ReadWrite, Anonymous, -1, 100));
        Assert.Equal(0, kernel.MemoryMappingCount);
    }

    [Fact]
    public void Munmap_of_nothing_succeeds_and_of_part_of_a_mapping_is_refused()
    {
        var kernel = new SimulatedKernel();
        var address = kernel.Mmap(0, 0x3000, ReadWrite, Anonymous, -1, 0);
        Assert.Equal(0, kernel.Munmap(unchecked((nint)0x7000_0000_0000L), 4096));
        Assert.Equal(-KernelErrno.EINVAL, kernel.Munmap(address + 1, 4096));
        Assert.Equal(-KernelErrno.EINVAL, kernel.Munmap(address, 0));

        // Partial unmaps are not simulated: the answer says so rather than leaving a wrong mapping behind.
        Assert.Equal(-KernelErrno.EINVAL, kernel.Munmap(address, 0x1000));
        Assert.Equal(-KernelErrno.EINVAL, kernel.Munmap(address + 0x1000, 0x1000));
        Assert.Equal(0, kernel.Munmap(address, 0x3000));
    }

    [Fact]
    public void Pagemap_shows_present_pages_with_contiguous_frames_as_root()
    {
        var kernel = new SimulatedKernel();
        var first = kernel.Mmap(0, 0x3000, ReadWrite, Anonymous, -1, 0);
        var second = kernel.Mmap(0, 0x1000, ReadWrite, Anonymous, -1, 0);
        var pagemap = kernel.Open("/proc/self/pagemap", OpenFlags.ReadOnly);

        var entries = Entries(kernel, pagemap, first, 3);
        Assert.All(entries, entry => Assert.Equal(1UL, entry >> 63));
        var pfns = entries.Select(entry => entry & ((1UL << 55) - 1)).ToArray();
        Assert.NotEqual(0UL, pfns[0]);
        Assert.Equal([pfns[0], pfns[0] + 1, pfns[0] + 2], pfns);

        var other = Entries(kernel, pagemap, second, 1)[0] & ((1UL << 55) - 1);
        Assert.DoesNotContain(other, pfns);

        // A page nothing maps is not present.
        Assert.Equal(0UL, Entries(kernel, pagemap, unchecked((nint)0x7000_0000_0000L), 1)[0]);
    }

    [Fact]
    public void Pagemap_hides_frame_numbers_from_unprivileged_readers()
    {
        var kernel = new SimulatedKernel(new SimulatedKernelOptions { Root = false });
        var address = kernel.Mmap(0, 0x1000, ReadWrite, Anonymous, -1, 0);
        var pagemap = kernel.Open("/proc/self/pagemap", OpenFlags.ReadOnly);
        Assert.Equal(1UL << 63, Entries(kernel, pagemap, address, 1)[0]);
    }

    [Fact]
    public void Pagemap_reads_whole_aligned_entries_only()
    {
        var kernel = new SimulatedKernel();
        var pagemap = kernel.Open("/proc/self/pagemap", OpenFlags.ReadOnly);
        Span<byte> buffer = stackalloc byte[12];
        Assert.Equal(-KernelErrno.EINVAL, kernel.PRead(pagemap, buffer, 0));
        Assert.Equal(-KernelErrno.EINVAL, kernel.PRead(pagemap, buffer[..8], 4));
    }

    private static ulong[] Entries(SimulatedKernel kernel, int pagemap, nint address, int count)
    {
        var buffer = new byte[count * 8];
        Assert.Equal(buffer.Length, kernel.PRead(pagemap, buffer, (long)((ulong)address / 4096 * 8)));
        return Enumerable.Range(0, count).Select(i => BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(i * 8))).ToArray();
    }
}
