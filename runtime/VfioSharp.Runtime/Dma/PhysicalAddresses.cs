using System.Buffers.Binary;
using VfioSharp.Kernel;

namespace VfioSharp.Dma;

/// <summary>
/// Physical addresses of process memory from <c>/proc/self/pagemap</c>, for the no-IOMMU modes, where a device
/// DMAs to physical addresses. Linux hides page frame numbers (reports 0) from processes without CAP_SYS_ADMIN.
/// </summary>
internal static class PhysicalAddresses
{
    private const ulong PageSize = 4096;
    private const ulong Present = 1UL << 63;
    private const ulong PfnMask = (1UL << 55) - 1;

    /// <summary>The physical address of [address, address + length): it must be physically contiguous.</summary>
    public static ulong Resolve(IKernel kernel, nint address, ulong length)
    {
        var fd = kernel.Open("/proc/self/pagemap", OpenFlags.ReadOnly | OpenFlags.CloseOnExec);
        VfioException.ThrowIfFailed(fd, "opening /proc/self/pagemap to find physical addresses (no-IOMMU mode)");
        try
        {
            Span<byte> entry = stackalloc byte[8];
            ulong first = 0;
            var pages = (length + PageSize - 1) / PageSize;
            for (ulong page = 0; page < pages; page++)
            {
                var virtualPage = ((ulong)address / PageSize) + page;
                var read = kernel.PRead(fd, entry, (long)(virtualPage * 8));
                VfioException.ThrowIfFailed(read, $"reading /proc/self/pagemap at page 0x{virtualPage:x}");
                var value = BinaryPrimitives.ReadUInt64LittleEndian(entry);
                var pfn = value & PfnMask;
                if ((value & Present) == 0 || pfn == 0)
                {
                    throw new VfioException(
                        $"finding the physical address of 0x{(ulong)address + (page * PageSize):x} in /proc/self/pagemap",
                        advice: (value & Present) == 0 ? "the page is not present: touch the buffer first" : "the kernel hides physical addresses from this process: no-IOMMU DMA needs CAP_SYS_ADMIN (run as root)");
                }

                if (page == 0)
                {
                    first = pfn;
                }
                else if (pfn != first + page)
                {
                    throw new VfioException(
                        $"mapping {length} bytes at 0x{(ulong)address:x} for no-IOMMU DMA",
                        advice: "the buffer is not physically contiguous: use huge pages (DmaBuffer.Allocate(..., hugePages: true)) or buffers of one page");
                }
            }

            return (first * PageSize) + ((ulong)address % PageSize);
        }
        finally
        {
            _ = kernel.Close(fd);
        }
    }
}
