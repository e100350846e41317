// The sPAPR IOMMU's DMA map function of DPDK's group mode (vfio_spapr_dma_do_map in
// lib/eal/linux/eal_vfio.c, eal_vfio_group.c in the series), ported. DPDK's unmap declares
// `struct vfio_iommu_type1_dma_map dma_unmap;` and passes it to VFIO_IOMMU_UNMAP_DMA, whose
// argument is struct vfio_iommu_type1_dma_unmap: the kernel then reads iova and size from the map
// struct's vaddr and iova. Here every ioctl is a typed call, which takes only the right record.
using VfioSharp.Handles;
using VfioSharp.Kernel;
using VfioSharp.Uapi;

namespace DpdkPort;

internal sealed partial class EalVfio
{
    /// <summary>The size of the sPAPR DMA window the container was set up with.</summary>
    public ulong spapr_dma_win_len { get; set; }

    /// <summary>Registers and maps, or unmaps and unregisters, memory for DMA (the sPAPR <c>dma_user_map_func</c>).</summary>
    public int vfio_spapr_dma_do_map(ulong vaddr, ulong iova, ulong len, bool do_map)
    {
        ref Container cfg = ref default_cfg;
        using var container = new ContainerHandle(kernel, cfg.container_fd, ownsHandle: false);
        var reg = new vfio_iommu_spapr_register_memory
        {
            vaddr = vaddr,
            size = len,
            flags = 0,
        };

        if (do_map)
        {
            if (iova + len > spapr_dma_win_len)
            {
                EalLog.Error("dma map attempt outside DMA window");
                return -1;
            }

            var ret = container.TryVFIO_IOMMU_SPAPR_REGISTER_MEMORY(ref reg);
            if (ret < 0)
            {
                EalLog.Error("cannot register vaddr for IOMMU, error " + Errno.FromResult(ret));
                return -1;
            }

            var dma_map = new vfio_iommu_type1_dma_map
            {
                vaddr = vaddr,
                size = len,
                iova = iova,
                flags = vfio.VFIO_DMA_MAP_FLAG_READ | vfio.VFIO_DMA_MAP_FLAG_WRITE,
            };
            ret = container.TryVFIO_IOMMU_MAP_DMA(ref dma_map);
            if (ret < 0)
            {
                EalLog.Error("cannot map vaddr for IOMMU, error " + Errno.FromResult(ret));
                return -1;
            }
        }
        else
        {
            // The unmap record, not the map record: the typed call accepts nothing else.
            var dma_unmap = new vfio_iommu_type1_dma_unmap
            {
                size = len,
                iova = iova,
            };
            var ret = container.TryVFIO_IOMMU_UNMAP_DMA(ref dma_unmap);
            if (ret < 0)
            {
                EalLog.Error("cannot unmap vaddr for IOMMU, error " + Errno.FromResult(ret));
                return -1;
            }

            ret = container.TryVFIO_IOMMU_SPAPR_UNREGISTER_MEMORY(ref reg);
            if (ret < 0)
            {
                EalLog.Error("cannot unregister vaddr for IOMMU, error " + Errno.FromResult(ret));
                return -1;
            }
        }

        return 0;
    }
}
