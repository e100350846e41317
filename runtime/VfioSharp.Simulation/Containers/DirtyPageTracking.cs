using System.Numerics;
using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.Memory;
using VfioSharp.Uapi;

namespace VfioSharp.Simulation.Containers;

/// <summary>
/// type1's dirty page tracking (VFIO_IOMMU_DIRTY_PAGES, and UNMAP_DMA with GET_DIRTY_BITMAP): started and stopped by
/// the user, and reported as every page of every mapping in the range dirty, as type1 reports for devices that do not
/// pin pages themselves (every physical device: <c>num_non_pinned_groups</c>).
/// </summary>
internal sealed unsafe class DirtyPageTracking
{
    private const ulong PageSize = 4096;

    // DIRTY_BITMAP_SIZE_MAX: a bitmap of INT_MAX pages, in bytes.
    private const ulong BitmapSizeMax = 256UL << 20;

    /// <summary>Whether tracking is on (<c>iommu->dirty_page_tracking</c>).</summary>
    public bool Enabled { get; set; }

    /// <summary>vfio_iommu_type1_dirty_pages.</summary>
    public long Ioctl(IoPageTable table, bool v2, nint argument)
    {
        if (!v2)
        {
            return -LinuxErrno.EACCES;
        }

        if (argument == 0)
        {
            return -LinuxErrno.EFAULT;
        }

        // SAFETY: the caller passes a vfio_iommu_type1_dirty_bitmap (8 bytes), then argsz - 8 bytes of data.
        var dirty = (vfio_iommu_type1_dirty_bitmap*)argument;
        const uint start = (uint)vfio.VFIO_IOMMU_DIRTY_PAGES_FLAG_START, stop = (uint)vfio.VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP, get = (uint)vfio.VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;
        var flags = dirty->flags;
        if (dirty->argsz < 8 || (flags & ~(start | stop | get)) != 0 || BitOperations.PopCount(flags) != 1)
        {
            // "only one flag should be set at a time"; no flag falls through to the final -EINVAL.
            return -LinuxErrno.EINVAL;
        }

        switch (flags)
        {
            case start:
                Enabled = true;
                return 0;
            case stop:
                Enabled = false;
                return 0;
        }

        if (dirty->argsz - 8 < (uint)sizeof(vfio_iommu_type1_dirty_bitmap_get))
        {
            return -LinuxErrno.EINVAL;
        }

        // SAFETY: argsz covers the vfio_iommu_type1_dirty_bitmap_get after the header.
        var range = *(vfio_iommu_type1_dirty_bitmap_get*)((byte*)argument + 8);
        if (range.iova + range.size < range.iova)
        {
            return -LinuxErrno.EINVAL;
        }

        var checkedBitmap = CheckBitmap(range.size, range.bitmap);
        if (checkedBitmap < 0)
        {
            return checkedBitmap;
        }

        if (range.bitmap.pgsize != PageSize || (range.iova & (PageSize - 1)) != 0 || range.size == 0 || (range.size & (PageSize - 1)) != 0)
        {
            // Only the smallest IOMMU page.
            return -LinuxErrno.EINVAL;
        }

        if (!Enabled)
        {
            return -LinuxErrno.EINVAL;
        }

        // vfio_iova_dirty_bitmap: the range must not bisect a mapping.
        var touched = table.Intersecting(range.iova, range.size);
        var last = range.iova + range.size - 1;
        if (touched.Any(m => m.Iova < range.iova || m.Last > last))
        {
            return -LinuxErrno.EINVAL;
        }

        return Report(touched, range.iova, range.bitmap);
    }

    /// <summary>The checks of UNMAP_DMA's bitmap (vfio_iommu_type1_unmap_dma, then vfio_dma_do_unmap): 0 or -errno.</summary>
    public long CheckUnmapBitmap(uint argsz, ulong size, nint argument, out vfio_bitmap bitmap)
    {
        bitmap = default;
        if (argsz < 24 + (uint)sizeof(vfio_bitmap))
        {
            return -LinuxErrno.EINVAL;
        }

        // SAFETY: argsz covers the vfio_bitmap after the 24-byte vfio_iommu_type1_dma_unmap.
        bitmap = *(vfio_bitmap*)((byte*)argument + 24);
        var checkedBitmap = CheckBitmap(size, bitmap);
        if (checkedBitmap < 0)
        {
            return checkedBitmap;
        }

        return Enabled && bitmap.pgsize == PageSize ? 0 : -LinuxErrno.EINVAL;
    }

    /// <summary>update_user_bitmap: sets the bits of every page of <paramref name="mappings"/>, relative to <paramref name="base"/>.</summary>
    public static long Report(IEnumerable<IoMapping> mappings, ulong @base, vfio_bitmap bitmap)
    {
        if (bitmap.data == 0)
        {
            return -LinuxErrno.EFAULT;
        }

        // SAFETY: CheckBitmap made sure the caller's bitmap holds a bit for every page of the range.
        var words = (ulong*)bitmap.data;
        foreach (var mapping in mappings)
        {
            for (var page = (mapping.Iova - @base) / PageSize; page < (mapping.Iova - @base + mapping.Length) / PageSize; page++)
            {
                words[page / 64] |= 1UL << (int)(page % 64);
            }
        }

        return 0;
    }

    /// <summary>verify_bitmap_size, after access_ok: a bitmap big enough for the range, not over the maximum.</summary>
    private static int CheckBitmap(ulong size, vfio_bitmap bitmap)
    {
        if (bitmap.pgsize == 0)
        {
            return -LinuxErrno.EINVAL;
        }

        var pages = size >> BitOperations.TrailingZeroCount(bitmap.pgsize);
        if (pages == 0 || bitmap.size == 0 || bitmap.size > BitmapSizeMax || bitmap.size < ((pages + 63) / 64 * 8))
        {
            return -LinuxErrno.EINVAL;
        }

        return 0;
    }
}
