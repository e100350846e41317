using VfioSharp.Dma;
using VfioSharp.Runtime.Tests.Infrastructure;

namespace VfioSharp.Runtime.Tests.Dma;

/// <summary>DMA memory is an anonymous mapping the GC never sees; a buffer still mapped for DMA outlives its Dispose.</summary>
public sealed class DmaBufferTests
{
    [Fact]
    public void A_buffer_is_page_rounded_anonymous_memory_returned_on_dispose()
    {
        using var machine = SimulatedMachine.Build("Cdev/Linux7");
        var buffer = DmaBuffer.Allocate(machine.Kernel, 100);

        Assert.Equal((nuint)4096, buffer.Length);
        Assert.Equal(0, buffer.Address % 4096);
        Assert.Equal(4096, buffer.Span.Length);
        Assert.Equal(1, machine.Kernel.MemoryMappingCount);

        buffer.Dispose();
        Assert.True(buffer.IsDisposed);
        Assert.Equal(0, machine.Kernel.MemoryMappingCount);
        Assert.Throws<ObjectDisposedException>(() => buffer.Span.Length);
        buffer.Dispose();
    }

    [Fact]
    public void Zero_bytes_are_refused()
    {
        using var machine = SimulatedMachine.Build("Cdev/Linux7");

        Assert.Throws<ArgumentOutOfRangeException>(() => DmaBuffer.Allocate(machine.Kernel, 0));
        Assert.Equal(0, machine.Kernel.MemoryMappingCount);
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.Variants), MemberType = typeof(SimulatedMachine))]
    public void A_disposed_buffer_stays_until_its_last_mapping_is_gone(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        using (var vfio = machine.Open())
        {
            _ = vfio.OpenDevice(SimulatedMachine.Edu);
            var buffer = DmaBuffer.Allocate(machine.Kernel, 4096);
            var mapping = vfio.DefaultContainer.Map(buffer);
            buffer.Dispose();
            Assert.Equal(1, machine.Kernel.MemoryMappingCount);

            vfio.DefaultContainer.Unmap(mapping);
            Assert.Equal(0, machine.Kernel.MemoryMappingCount);
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.IommuVariants), MemberType = typeof(SimulatedMachine))]
    public void A_huge_page_buffer_is_mapped_at_a_huge_page_aligned_IOVA(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        using (var vfio = machine.Open())
        {
            _ = vfio.OpenDevice(SimulatedMachine.Edu);
            using var small = DmaBuffer.Allocate(machine.Kernel, 4096);
            using var huge = DmaBuffer.Allocate(machine.Kernel, 4096, hugePages: true);
            Assert.True(huge.HugePages);
            Assert.Equal((nuint)(2 << 20), huge.Length);

            var first = vfio.DefaultContainer.Map(small);
            var mapping = vfio.DefaultContainer.Map(huge);
            Assert.Equal(0UL, mapping.Iova % (2UL << 20));
            Assert.True(mapping.Iova > first.Iova);
        }

        machine.AssertNothingLeft();
    }
}
