namespace VfioSharp.Regions;

/// <summary>What VFIO_DEVICE_GET_REGION_INFO reports of a region, with its sparse-mmap areas.</summary>
/// <param name="Index">The region index (BAR0–5 = 0–5, ROM 6, config 7, VGA 8).</param>
/// <param name="Flags">VFIO_REGION_INFO_FLAG_*.</param>
/// <param name="Size">The region's size in bytes (0: not implemented).</param>
/// <param name="Offset">Where the region starts in the device fd (for pread/pwrite/mmap).</param>
/// <param name="MmapAreas">The parts that can be mmap'ed (offset, size within the region): all of it when the region has MMAP and no sparse capability.</param>
public sealed record RegionInfo(uint Index, uint Flags, ulong Size, ulong Offset, IReadOnlyList<(ulong Offset, ulong Size)> MmapAreas)
{
    /// <summary>Whether the region can be read.</summary>
    public bool Readable => (Flags & Uapi.vfio.VFIO_REGION_INFO_FLAG_READ) != 0;

    /// <summary>Whether the region can be written.</summary>
    public bool Writable => (Flags & Uapi.vfio.VFIO_REGION_INFO_FLAG_WRITE) != 0;
}
