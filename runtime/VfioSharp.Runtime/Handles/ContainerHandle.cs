using VfioSharp.Kernel;

namespace VfioSharp.Handles;

/// <summary>A VFIO container descriptor (<c>/dev/vfio/vfio</c>): IOMMU type and DMA mappings of the legacy group mode.</summary>
public sealed class ContainerHandle : KernelFileHandle
{
    /// <summary>Wraps a descriptor that <paramref name="kernel"/> opened.</summary>
    /// <param name="kernel">The kernel that opened <paramref name="fd"/> and will close it.</param>
    /// <param name="fd">The descriptor; negative for an invalid handle.</param>
    /// <param name="ownsHandle">Whether releasing the handle closes the descriptor.</param>
    /// <exception cref="ArgumentNullException"><paramref name="kernel"/> is null.</exception>
    public ContainerHandle(IKernel kernel, int fd, bool ownsHandle = true)
        : base(kernel, fd, ownsHandle)
    {
    }

    /// <inheritdoc/>
    public override FdKind Kind => FdKind.Container;
}
