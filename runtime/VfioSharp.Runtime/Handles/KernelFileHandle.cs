using System.Runtime.InteropServices;
using VfioSharp.Kernel;

namespace VfioSharp.Handles;

/// <summary>
/// A file descriptor that knows the <see cref="IKernel"/> that opened it. Releasing the handle calls that
/// kernel's <see cref="IKernel.Close"/>, so a simulated descriptor never reaches libc's <c>close</c> and a
/// real one is closed exactly once, after the last call that uses it has finished.
/// </summary>
/// <remarks>
/// Negative values (-1, or a <c>-errno</c> a failed open returned) are invalid and never closed. The subclasses
/// give each kind of VFIO descriptor its own type, so that an ioctl of one kind can't be called on another.
/// </remarks>
public abstract class KernelFileHandle : SafeHandle
{
    /// <summary>Wraps a descriptor that <paramref name="kernel"/> opened.</summary>
    /// <param name="kernel">The kernel that opened <paramref name="fd"/> and will close it.</param>
    /// <param name="fd">The descriptor; negative for an invalid handle.</param>
    /// <param name="ownsHandle">Whether releasing the handle closes the descriptor.</param>
    /// <exception cref="ArgumentNullException"><paramref name="kernel"/> is null.</exception>
    protected KernelFileHandle(IKernel kernel, int fd, bool ownsHandle)
        : base(invalidHandleValue: -1, ownsHandle)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        Kernel = kernel;
        SetHandle(fd);
    }

    /// <summary>The kernel that opened the descriptor, and that every call on it goes to.</summary>
    public IKernel Kernel { get; }

    /// <summary>What the descriptor is, for error messages.</summary>
    public abstract FdKind Kind { get; }

    /// <inheritdoc/>
    public override bool IsInvalid => handle < 0;

    /// <summary>
    /// The raw descriptor, without taking a reference: a call that uses it while another thread may dispose
    /// the handle must hold one (<see cref="SafeHandle.DangerousAddRef"/>), as <c>IoctlCall.Invoke</c> does.
    /// </summary>
    /// <returns>The descriptor; it stays readable (but is closed) after the handle is released.</returns>
    public int DangerousGetFd() => (int)handle;

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => Kernel.Close((int)handle) == 0;
}
