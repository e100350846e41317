using VfioSharp.Kernel;

namespace VfioSharp.Handles;

/// <summary>A device's migration data stream descriptor, from <c>VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE</c>.</summary>
public sealed class MigrationHandle : KernelFileHandle
{
    /// <summary>Wraps a descriptor that <paramref name="kernel"/> opened.</summary>
    /// <param name="kernel">The kernel that opened <paramref name="fd"/> and will close it.</param>
    /// <param name="fd">The descriptor; negative for an invalid handle.</param>
    /// <param name="ownsHandle">Whether releasing the handle closes the descriptor.</param>
    /// <exception cref="ArgumentNullException"><paramref name="kernel"/> is null.</exception>
    public MigrationHandle(IKernel kernel, int fd, bool ownsHandle = true)
        : base(kernel, fd, ownsHandle)
    {
    }

    /// <inheritdoc/>
    public override FdKind Kind => FdKind.Migration;
}
