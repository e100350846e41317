using System.Buffers.Binary;

namespace VfioSharp.KernelSuite;

/// <summary>
/// A virtual address's physical address from /proc/self/pagemap (Documentation/admin-guide/mm/pagemap.rst: one
/// 64-bit entry per page, bit 63 present, bits 0–54 the frame number; root sees the frame). Read here
/// independently of the runtime, to check the addresses its no-IOMMU mapping hands to the device.
/// </summary>
internal static class Pagemap
{
    private const ulong Present = 1UL << 63;
    private const ulong FrameMask = (1UL << 55) - 1;

    /// <summary>The physical address, or null when the page is not present.</summary>
    public static ulong? Physical(nint address)
    {
        var page = (ulong)Environment.SystemPageSize;
        using var file = File.OpenHandle("/proc/self/pagemap");
        Span<byte> entry = stackalloc byte[8];
        var read = RandomAccess.Read(file, entry, (long)((ulong)address / page * 8));
        if (read != 8)
        {
            return null;
        }

        var value = BinaryPrimitives.ReadUInt64LittleEndian(entry);
        return (value & Present) == 0 ? null : ((value & FrameMask) * page) + ((ulong)address % page);
    }
}
