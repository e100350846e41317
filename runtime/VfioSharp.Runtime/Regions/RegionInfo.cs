using VfioSharp.Uapi;

namespace VfioSharp.Regions;

/// <summary>What VFIO_DEVICE_GET_REGION_INFO reports of a region, with what its capability chain adds.</summary>
/// <param name="Index">The region index (BAR0–5 = 0–5, ROM 6, config 7, VGA 8, device-specific regions after).</param>
/// <param name="Flags">VFIO_REGION_INFO_FLAG_*.</param>
/// <param name="Size">The region's size in bytes (0: not implemented, e.g. an absent BAR).</param>
/// <param name="Offset">Where the region starts in the device fd (for pread/pwrite/mmap).</param>
/// <param name="MmapAreas">
/// The parts that can be mmap'ed (offset, size within the region): the areas of the sparse-mmap capability when
/// the region has one (none when it lists none), else all of it when the region has VFIO_REGION_INFO_FLAG_MMAP.
/// </param>
public sealed record RegionInfo(uint Index, uint Flags, ulong Size, ulong Offset, IReadOnlyList<(ulong Offset, ulong Size)> MmapAreas)
{
    /// <summary>Whether the region can be read.</summary>
    public bool Readable => (Flags & vfio.VFIO_REGION_INFO_FLAG_READ) != 0;

    /// <summary>Whether the region can be written.</summary>
    public bool Writable => (Flags & vfio.VFIO_REGION_INFO_FLAG_WRITE) != 0;

    /// <summary>Whether the kernel lets (parts of) the region be mmap'ed: see <see cref="MmapAreas"/> for which.</summary>
    public bool CanMmap => (Flags & vfio.VFIO_REGION_INFO_FLAG_MMAP) != 0;

    /// <summary>Whether the device has this region at all (an absent BAR has size 0).</summary>
    public bool Exists => Size != 0;

    /// <summary>
    /// Whether a sparse-mmap capability restricted the mmap-able parts (vfio-pci puts one on a BAR that holds the
    /// MSI-X table when the table may not be mapped; the simulated edu puts one on its register page).
    /// </summary>
    public bool HasSparseMmap { get; init; }

    /// <summary>The type of a device-specific region (VFIO_REGION_INFO_CAP_TYPE), or null.</summary>
    public RegionType? Type { get; init; }

    /// <summary>
    /// Whether the region holds an MSI-X table the kernel nonetheless lets userspace map
    /// (VFIO_REGION_INFO_CAP_MSIX_MAPPABLE: the platform isolates MSI-X, so the whole BAR is in <see cref="MmapAreas"/>).
    /// </summary>
    public bool MsixMappable { get; init; }

    /// <summary>The region's name as vfio-pci numbers regions: BAR0–BAR5, ROM, config space, VGA, or "region N".</summary>
    public string Name => Index switch
    {
        <= vfio.VFIO_PCI_BAR5_REGION_INDEX => $"BAR{Index}",
        vfio.VFIO_PCI_ROM_REGION_INDEX => "ROM",
        vfio.VFIO_PCI_CONFIG_REGION_INDEX => "config space",
        vfio.VFIO_PCI_VGA_REGION_INDEX => "VGA",
        _ => $"region {Index}",
    };
}
