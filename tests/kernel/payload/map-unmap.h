/* One 4 KiB DMA map and unmap at a fixed IOVA, for type1 containers and iommufd IOASes: what the C reference
 * check (vfio-check.c) uses, and what the runtime's suite links in (VfioSharp.KernelSuite/Native) to time the
 * runtime's map/unmap against the same C in the same process. Each returns ioctl's result (0, or -1 with errno). */
#ifndef VFIOSHARP_MAP_UNMAP_H
#define VFIOSHARP_MAP_UNMAP_H

#include <linux/iommufd.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <sys/ioctl.h>

static inline int type1_map(int container, void *vaddr, uint64_t iova)
{
    struct vfio_iommu_type1_dma_map map = {
        .argsz = sizeof map,
        .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
        .vaddr = (uint64_t)(uintptr_t)vaddr,
        .iova = iova,
        .size = 4096,
    };
    return ioctl(container, VFIO_IOMMU_MAP_DMA, &map);
}

static inline int type1_unmap(int container, uint64_t iova)
{
    struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof unmap, .iova = iova, .size = 4096 };
    return ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap);
}

static inline int ioas_map(int iommufd, uint32_t ioas, void *vaddr, uint64_t iova)
{
    struct iommu_ioas_map map = {
        .size = sizeof map,
        .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
        .ioas_id = ioas,
        .user_va = (uint64_t)(uintptr_t)vaddr,
        .length = 4096,
        .iova = iova,
    };
    return ioctl(iommufd, IOMMU_IOAS_MAP, &map);
}

static inline int ioas_unmap(int iommufd, uint32_t ioas, uint64_t iova)
{
    struct iommu_ioas_unmap unmap = { .size = sizeof unmap, .ioas_id = ioas, .iova = iova, .length = 4096 };
    return ioctl(iommufd, IOMMU_IOAS_UNMAP, &unmap);
}

#endif
