using VfioSharp.Dma;
using VfioSharp.Runtime.Tests.Infrastructure;

namespace VfioSharp.Runtime.Tests.Dma;

/// <summary>The allocator finds the lowest aligned hole inside the kernel's IOVA ranges, and never leaves them.</summary>
public sealed class IovaAllocatorTests
{
    private static readonly IovaRange[] TwoRanges = [new(0, 0xfedfffff), new(0xfef00000, 0xffffffffffff)];

    [Fact]
    public void The_first_allocation_is_at_the_floor()
    {
        var allocator = new IovaAllocator(TwoRanges);

        Assert.True(allocator.TryAllocate(4096, 4096, [], out var iova));
        Assert.Equal(1UL << 20, iova);
    }

    [Fact]
    public void Used_ranges_are_skipped_and_holes_between_them_are_used()
    {
        var allocator = new IovaAllocator(TwoRanges);
        DmaMapping[] used = [new(0x100000, 0x1000, 0), new(0x102000, 0x1000, 0)];

        Assert.True(allocator.TryAllocate(0x1000, 0x1000, used, out var hole));
        Assert.Equal(0x101000UL, hole);
        Assert.True(allocator.TryAllocate(0x2000, 0x1000, used, out var after));
        Assert.Equal(0x103000UL, after);
    }

    [Fact]
    public void An_allocation_never_straddles_the_gap_between_ranges()
    {
        var allocator = new IovaAllocator(TwoRanges);
        DmaMapping[] used = [new(0x100000, 0xfed00000 - 0x100000, 0)];

        Assert.True(allocator.TryAllocate(0x200000, 0x1000, used, out var iova));
        Assert.Equal(0xfef00000UL, iova);
    }

    [Fact]
    public void Alignment_is_kept()
    {
        var allocator = new IovaAllocator(TwoRanges);
        DmaMapping[] used = [new(0x100000, 0x1000, 0)];

        Assert.True(allocator.TryAllocate(0x200000, 0x200000, used, out var iova));
        Assert.Equal(0x200000UL, iova);
    }

    [Theory]
    [InlineData(0UL, 4096UL)]
    [InlineData(4096UL, 0UL)]
    [InlineData(4096UL, 3000UL)]
    public void Zero_lengths_and_bad_alignments_find_nothing(ulong length, ulong alignment)
    {
        Assert.False(new IovaAllocator(TwoRanges).TryAllocate(length, alignment, [], out _));
    }

    [Fact]
    public void A_full_space_finds_nothing_and_the_top_of_the_address_space_does_not_wrap()
    {
        var allocator = new IovaAllocator([new IovaRange(0xfffffffffff00000, ulong.MaxValue)], floor: 0);
        DmaMapping[] used = [new(0xfffffffffff00000, 0x100000, 0)];

        Assert.False(allocator.TryAllocate(0x1000, 0x1000, used, out _));
        Assert.True(allocator.TryAllocate(0x100000, 0x1000, [], out var top));
        Assert.Equal(0xfffffffffff00000UL, top);
        Assert.False(allocator.TryAllocate(0x200000, 0x1000, [], out _));
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.IommuVariants), MemberType = typeof(SimulatedMachine))]
    public void The_containers_ranges_come_from_the_kernel_and_its_allocations_stay_inside(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        using var vfio = machine.Open();
        _ = vfio.OpenDevice(SimulatedMachine.Edu);
        var container = vfio.DefaultContainer;
        var ranges = container.IovaRanges;

        // x86's MSI window is reserved in every IOMMU mode: type1's IOVA-range capability, the IOAS's ranges.
        Assert.True(ranges.Count >= 2);
        Assert.DoesNotContain(ranges, r => r.Contains(0xfee00000, 1));
        Assert.Equal(4096UL, container.PageSize);

        var mappings = new List<DmaMapping>();
        var buffers = new List<DmaBuffer>();
        for (var i = 0; i < 8; i++)
        {
            var buffer = DmaBuffer.Allocate(machine.Kernel, (nuint)((i + 1) * 4096));
            buffers.Add(buffer);
            mappings.Add(container.Map(buffer));
        }

        Assert.All(mappings, m => Assert.Contains(ranges, r => r.Contains(m.Iova, m.Length)));
        Assert.Equal(mappings.Count, mappings.Select(m => m.Iova).Distinct().Count());
        Assert.All(mappings.Zip(mappings.Skip(1)), pair => Assert.True(pair.First.LastIova < pair.Second.Iova));
        buffers.ForEach(b => b.Dispose());
    }
}
