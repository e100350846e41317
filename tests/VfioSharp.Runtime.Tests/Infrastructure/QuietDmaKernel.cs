using VfioSharp.Kernel;
using VfioSharp.Uapi;

namespace VfioSharp.Runtime.Tests.Infrastructure;

/// <summary>
/// Forwards everything, except that while <see cref="Quiet"/> it answers DMA map and unmap itself (success,
/// nothing recorded): what a test measures then is the runtime's own cost, not the simulated kernel's books.
/// Only balanced map/unmap pairs may run quietly, so the real kernel's state stays right.
/// </summary>
internal sealed class QuietDmaKernel(IKernel inner) : ForwardingKernel(inner)
{
    public bool Quiet { get; set; }

    public override long Ioctl(int fd, ulong request, nint argument)
        => Quiet && request is vfio.VFIO_IOMMU_MAP_DMA or vfio.VFIO_IOMMU_UNMAP_DMA or iommufd.IOMMU_IOAS_MAP or iommufd.IOMMU_IOAS_UNMAP
            ? 0
            : base.Ioctl(fd, request, argument);
}
