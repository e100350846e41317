using VfioSharp.Simulation.Core;
using VfioSharp.Uapi;

namespace VfioSharp.Simulation.Iommufd;

/// <summary>
/// The VFIO container ioctls /dev/iommu answers (<c>iommufd_vfio_ioctl</c>, <c>drivers/iommu/iommufd/vfio_compat.c</c>):
/// API version and extensions always; SET_IOMMU, GET_INFO, MAP_DMA and UNMAP_DMA on the compat IOAS, ENODEV without
/// one. Every other number is ENOTTY (ENOIOCTLCMD, which the VFS turns into ENOTTY).
/// </summary>
internal sealed unsafe class IommufdVfioCompat(IommufdFile iommufd)
{
    public long Ioctl(ulong request, nint argument) => request switch
    {
        vfio.VFIO_GET_API_VERSION => vfio.VFIO_API_VERSION,
        vfio.VFIO_CHECK_EXTENSION => CheckExtension(argument),
        vfio.VFIO_SET_IOMMU => SetIommu(argument),
        vfio.VFIO_IOMMU_GET_INFO => GetInfo(argument),
        vfio.VFIO_IOMMU_MAP_DMA => MapDma(argument),
        vfio.VFIO_IOMMU_UNMAP_DMA => UnmapDma(argument),
        _ => -LinuxErrno.ENOTTY,
    };

    private long CheckExtension(nint type) => type switch
    {
        vfio.VFIO_TYPE1_IOMMU or vfio.VFIO_TYPE1v2_IOMMU or vfio.VFIO_UNMAP_ALL => 1,

        // iommufd_vfio_cc_iommu: every HWPT of the compat IOAS enforces coherency (intel-iommu with snoop control).
        vfio.VFIO_DMA_CC_IOMMU => iommufd.CompatIoas is null ? -LinuxErrno.ENODEV : 1,
        _ => 0,
    };

    private long SetIommu(nint type)
    {
        if (type is not (vfio.VFIO_TYPE1_IOMMU or vfio.VFIO_TYPE1v2_IOMMU))
        {
            return -LinuxErrno.EINVAL;
        }

        if (iommufd.CompatIoas is not { } ioas)
        {
            return -LinuxErrno.ENODEV;
        }

        // Type1 (v1) may unmap inside mappings: emulated by giving up large IOPTEs.
        return type == vfio.VFIO_TYPE1_IOMMU ? ioas.DisableLargePages() : 0;
    }

    private long MapDma(nint argument)
    {
        if (argument == 0)
        {
            return -LinuxErrno.EFAULT;
        }

        // SAFETY: the caller passes a vfio_iommu_type1_dma_map; only its first minsz (32) bytes are read.
        var map = *(vfio_iommu_type1_dma_map*)argument;
        const uint known = (uint)(vfio.VFIO_DMA_MAP_FLAG_READ | vfio.VFIO_DMA_MAP_FLAG_WRITE);
        if (map.argsz < 32 || (map.flags & ~known) != 0)
        {
            return -LinuxErrno.EINVAL;
        }

        if (iommufd.CompatIoas is not { } ioas)
        {
            return -LinuxErrno.ENODEV;
        }

        var iova = map.iova;
        return ioas.MapUser(map.vaddr, map.size, (map.flags & vfio.VFIO_DMA_MAP_FLAG_WRITE) != 0, fixedIova: true, ref iova);
    }

    private long UnmapDma(nint argument)
    {
        if (argument == 0)
        {
            return -LinuxErrno.EFAULT;
        }

        // SAFETY: the caller passes a vfio_iommu_type1_dma_unmap of at least minsz (24) bytes.
        ref var unmap = ref *(vfio_iommu_type1_dma_unmap*)argument;
        if (unmap.argsz < 24 || (unmap.flags & ~(uint)vfio.VFIO_DMA_UNMAP_FLAG_ALL) != 0)
        {
            return -LinuxErrno.EINVAL;
        }

        if (iommufd.CompatIoas is not { } ioas)
        {
            return -LinuxErrno.ENODEV;
        }

        long result;
        ulong unmapped;
        if ((unmap.flags & vfio.VFIO_DMA_UNMAP_FLAG_ALL) != 0)
        {
            if (unmap.iova != 0 || unmap.size != 0)
            {
                return -LinuxErrno.EINVAL;
            }

            result = ioas.UnmapAll(out unmapped);
        }
        else
        {
            result = CutForType1(ioas, unmap.iova, unmap.size);
            unmapped = 0;
            if (result == 0)
            {
                // v6.17.0: an empty range is ENOENT here (misuse table, iommufd-vfio-compat-unmap-empty). 7.3 has
                // "iommufd: Make vfio_compat's unmap succeed if the range is already empty": 0 with size 0, as type1
                // answers; the real-kernel suite saw 0 on the built 7.3.4.
                result = ioas.Unmap(unmap.iova, unmap.size, out unmapped);
                if (result == -LinuxErrno.ENOENT && unmapped == 0 && iommufd.Kernel.Options.Profile == SimulatedKernelProfile.Linux7)
                {
                    result = 0;
                }
            }
        }

        // The size is written back whatever the outcome.
        unmap.size = unmapped;
        return result;
    }

    /// <summary>Type1 emulation cuts areas at both ends of the range first (only with large pages disabled).</summary>
    private static long CutForType1(IoasObject ioas, ulong iova, ulong size)
    {
        if (!ioas.LargePagesDisabled)
        {
            return 0;
        }

        var cut = ioas.Cut(iova + size - 1);
        return cut != 0 || iova == 0 ? cut : ioas.Cut(iova - 1);
    }

    /// <summary><c>iommufd_vfio_iommu_get_info</c>: page sizes and two capabilities, DMA avail then IOVA ranges.</summary>
    private long GetInfo(nint argument)
    {
        if (argument == 0)
        {
            return -LinuxErrno.EFAULT;
        }

        // SAFETY: the caller passes a vfio_iommu_type1_info of at least minsz (16) bytes, argsz in all.
        ref var info = ref *(vfio_iommu_type1_info*)argument;
        var argsz = info.argsz;
        if (argsz < 16)
        {
            return -LinuxErrno.EINVAL;
        }

        if (iommufd.CompatIoas is not { } ioas)
        {
            return -LinuxErrno.ENODEV;
        }

        var ranges = ioas.UsableRanges;
        var infoSize = (uint)sizeof(vfio_iommu_type1_info);
        var availSize = (uint)sizeof(vfio_iommu_type1_info_dma_avail);
        var rangesSize = (uint)(sizeof(vfio_iommu_type1_info_cap_iova_range) + (ranges.Count * sizeof(vfio_iova_range)));
        var total = infoSize + availSize + rangesSize;
        var bytes = (byte*)argument;
        if (argsz >= infoSize + availSize)
        {
            // SAFETY: argsz covers the DMA-avail capability at offset sizeof(info). Its next points at the IOVA-range
            // capability whenever it is written, as the kernel links it as soon as argsz reaches it.
            *(vfio_iommu_type1_info_dma_avail*)(bytes + infoSize) = new vfio_iommu_type1_info_dma_avail
            {
                header = new vfio_info_cap_header { id = (ushort)vfio.VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, version = 1, next = infoSize + availSize },
                avail = uint.MaxValue,
            };
        }

        if (argsz >= total)
        {
            // SAFETY: argsz covers the IOVA-range capability and its ranges after the DMA-avail one.
            var capability = (vfio_iommu_type1_info_cap_iova_range*)(bytes + infoSize + availSize);
            *capability = new vfio_iommu_type1_info_cap_iova_range
            {
                header = new vfio_info_cap_header { id = (ushort)vfio.VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, version = 1 },
                nr_iovas = (uint)ranges.Count,
            };
            var entries = (vfio_iova_range*)(capability + 1);
            for (var i = 0; i < ranges.Count; i++)
            {
                entries[i] = new vfio_iova_range { start = ranges[i].Start, end = ranges[i].Last };
            }
        }

        var reply = new vfio_iommu_type1_info
        {
            argsz = total,
            flags = (uint)(vfio.VFIO_IOMMU_INFO_PGSIZES | vfio.VFIO_IOMMU_INFO_CAPS),
            iova_pgsizes = PageSizes(ioas),
            cap_offset = argsz >= total ? infoSize : 0,
        };

        // Written back up to min(argsz, sizeof(info)).
        var length = Math.Min(argsz, infoSize);
        Buffer.MemoryCopy(&reply, bytes, length, length);
        return 0;
    }

    /// <summary><c>iommufd_get_pagesizes</c>: the domains' page sizes (a page and up), at least the IOVA alignment.</summary>
    private static ulong PageSizes(IoasObject ioas)
    {
        // With no domain every size is possible; intel-iommu domains do 4 KiB, 2 MiB and 1 GiB.
        var sizes = ioas.Hwpts.Count == 0 ? ulong.MaxValue : IntelIommu.PageSize | (2UL << 20) | (1UL << 30);
        if ((sizes & (IntelIommu.PageSize - 1)) != 0)
        {
            sizes = (sizes & ~(IntelIommu.PageSize - 1)) | IntelIommu.PageSize;
        }

        return Math.Max(sizes, ioas.IovaAlignment);
    }
}
