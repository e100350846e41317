using VfioSharp.Kernel;

namespace VfioSharp.Handles;

/// <summary>A VFIO group descriptor (<c>/dev/vfio/N</c>, or <c>/dev/vfio/noiommu-N</c>).</summary>
public sealed class GroupHandle : KernelFileHandle
{
    /// <summary>Wraps a descriptor that <paramref name="kernel"/> opened.</summary>
    /// <param name="kernel">The kernel that opened <paramref name="fd"/> and will close it.</param>
    /// <param name="fd">The descriptor; negative for an invalid handle.</param>
    /// <param name="ownsHandle">Whether releasing the handle closes the descriptor.</param>
    /// <exception cref="ArgumentNullException"><paramref name="kernel"/> is null.</exception>
    public GroupHandle(IKernel kernel, int fd, bool ownsHandle = true)
        : base(kernel, fd, ownsHandle)
    {
    }

    /// <inheritdoc/>
    public override FdKind Kind => FdKind.Group;
}
