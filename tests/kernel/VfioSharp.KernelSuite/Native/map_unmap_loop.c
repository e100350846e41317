/* The C side of the in-process map/unmap benchmark (Benchmarks.cs): the C reference check's own map and unmap
 * (payload/map-unmap.h), `iterations` times, on a container or IOAS the runtime set up. Linked into the
 * NativeAOT suite as a static library, so C and the runtime run in one process, round-robin, and the load
 * under emulation falls on both alike. Each returns 0, or the errno of the first failing call. */
#include <errno.h>

#include "map-unmap.h"

int vfiosharp_type1_map_unmap(int container, void *vaddr, uint64_t iova, int iterations)
{
    for (int i = 0; i < iterations; i++)
        if (type1_map(container, vaddr, iova) || type1_unmap(container, iova))
            return errno;
    return 0;
}

int vfiosharp_ioas_map_unmap(int iommufd, uint32_t ioas, void *vaddr, uint64_t iova, int iterations)
{
    for (int i = 0; i < iterations; i++)
        if (ioas_map(iommufd, ioas, vaddr, iova) || ioas_unmap(iommufd, ioas, iova))
            return errno;
    return 0;
}
