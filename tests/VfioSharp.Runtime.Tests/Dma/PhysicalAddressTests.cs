using VfioSharp.Dma;
using VfioSharp.Kernel;
using VfioSharp.Runtime.Tests.Infrastructure;

namespace VfioSharp.Runtime.Tests.Dma;

/// <summary>
/// No-IOMMU modes map nothing: a device uses physical addresses, read from /proc/self/pagemap, which Linux
/// shows only to CAP_SYS_ADMIN and which must be contiguous over the buffer.
/// </summary>
public sealed class PhysicalAddressTests
{
    public static TheoryData<string> NoIommuVariants => ["NoIommuGroup/Linux617", "NoIommuCdev/Linux7"];

    [Theory]
    [MemberData(nameof(NoIommuVariants))]
    public void The_physical_address_is_the_pagemap_frame(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        using (var vfio = machine.Open())
        {
            _ = vfio.OpenDevice(SimulatedMachine.Edu);
            using var buffer = DmaBuffer.Allocate(machine.Kernel, 3 * 4096);
            var mapping = vfio.DefaultContainer.Map(buffer);

            Assert.Equal(0UL, mapping.Iova % 4096);
            Assert.Equal((ulong)buffer.Length, mapping.Length);
            Assert.Equal(0, machine.Kernel.IommuMappingCount);
            vfio.DefaultContainer.Unmap(mapping);
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(NoIommuVariants))]
    public void Hidden_frame_numbers_say_root_is_needed(string variant)
    {
        // Linux shows a process without CAP_SYS_ADMIN present pages with frame 0 (pagemap_read). The simulated
        // kernel's Root = false does that too, but also refuses the no-IOMMU group node (CAP_SYS_RAWIO), which a
        // process can hold without CAP_SYS_ADMIN: hide the frames alone.
        using var machine = SimulatedMachine.Build(variant);
        var hidden = new PagemapRewritingKernel(machine.Kernel, (entry, _) => entry & ~((1UL << 55) - 1));
        using (var vfio = Vfio.Open(hidden, machine.Options))
        {
            _ = vfio.OpenDevice(SimulatedMachine.Edu);
            using var buffer = DmaBuffer.Allocate(machine.Kernel, 4096);

            var refused = Assert.Throws<VfioException>(() => vfio.DefaultContainer.Map(buffer));
            Assert.Contains("CAP_SYS_ADMIN", refused.Message, StringComparison.Ordinal);
            Assert.Contains("root", refused.Message, StringComparison.Ordinal);
            Assert.Empty(vfio.DefaultContainer.Mappings);
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(NoIommuVariants))]
    public void Scattered_pages_suggest_huge_pages(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        var scattered = new PagemapRewritingKernel(machine.Kernel, (entry, page) => entry + page);
        using (var vfio = Vfio.Open(scattered, machine.Options))
        {
            _ = vfio.OpenDevice(SimulatedMachine.Edu);
            using var buffer = DmaBuffer.Allocate(scattered, 2 * 4096);

            var refused = Assert.Throws<VfioException>(() => vfio.DefaultContainer.Map(buffer));
            Assert.Contains("huge pages", refused.Message, StringComparison.Ordinal);
            Assert.Empty(vfio.DefaultContainer.Mappings);

            // One page is always contiguous.
            using var page = DmaBuffer.Allocate(scattered, 4096);
            vfio.DefaultContainer.Unmap(vfio.DefaultContainer.Map(page));
        }

        machine.AssertNothingLeft();
    }

    /// <summary>Rewrites each pagemap entry read (entry, virtual page number): scattered or hidden frames.</summary>
    private sealed class PagemapRewritingKernel(IKernel inner, Func<ulong, ulong, ulong> rewrite) : ForwardingKernel(inner)
    {
        private int _pagemap = -1;

        public override int Open(string path, OpenFlags flags)
        {
            var fd = base.Open(path, flags);
            if (path == "/proc/self/pagemap")
            {
                _pagemap = fd;
            }

            return fd;
        }

        public override long PRead(int fd, Span<byte> buffer, long offset)
        {
            var read = base.PRead(fd, buffer, offset);
            if (fd == _pagemap && read == 8)
            {
                var entry = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(buffer);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(buffer, rewrite(entry, (ulong)(offset / 8)));
            }

            return read;
        }
    }
}
