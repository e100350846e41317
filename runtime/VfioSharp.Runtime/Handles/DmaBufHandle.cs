using VfioSharp.Kernel;

namespace VfioSharp.Handles;

/// <summary>A DMA buffer descriptor exported from a device region.</summary>
public sealed class DmaBufHandle : KernelFileHandle
{
    /// <summary>Wraps a descriptor that <paramref name="kernel"/> opened.</summary>
    /// <param name="kernel">The kernel that opened <paramref name="fd"/> and will close it.</param>
    /// <param name="fd">The descriptor; negative for an invalid handle.</param>
    /// <param name="ownsHandle">Whether releasing the handle closes the descriptor.</param>
    /// <exception cref="ArgumentNullException"><paramref name="kernel"/> is null.</exception>
    public DmaBufHandle(IKernel kernel, int fd, bool ownsHandle = true)
        : base(kernel, fd, ownsHandle)
    {
    }

    /// <inheritdoc/>
    public override FdKind Kind => FdKind.DmaBuf;
}
