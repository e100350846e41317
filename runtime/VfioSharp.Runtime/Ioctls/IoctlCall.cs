using System.Runtime.CompilerServices;
using VfioSharp.Handles;
using VfioSharp.Kernel;

namespace VfioSharp.Ioctls;

/// <summary>The one path every ioctl takes: what generated typed calls use.</summary>
public static class IoctlCall
{
    /// <summary>The errno a closed or invalid handle gives, as Linux gives it for a descriptor that is not open.</summary>
    private const int EBADF = 9;

    /// <summary>
    /// Issues an ioctl on the handle's descriptor, through the kernel that opened it, holding a reference to
    /// the handle for the duration so that a concurrent dispose can't close the descriptor (or let it be reused)
    /// mid-call. Allocates nothing.
    /// </summary>
    /// <param name="handle">The descriptor to address.</param>
    /// <param name="request">The request number.</param>
    /// <param name="argument">A pointer to the argument record, or a plain value, as the request defines.</param>
    /// <returns>The kernel's non-negative result, or <c>-errno</c>; <c>-EBADF</c>, without a system call, when
    /// the handle is closed or invalid.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handle"/> is null.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Invoke(KernelFileHandle handle, ulong request, nint argument)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (!TryReference(handle))
        {
            return -EBADF;
        }

        try
        {
            // Inlined into the caller, with the real kernel's call inlined here: every frame that stands between
            // the caller and libc while the syscall runs costs a mispredicted return afterwards on kernels that
            // refill the return stack buffer on the way out (about 7 ns a frame on the development VM,
            // bench/runtime/README.md). A simulated kernel takes the interface call.
            var fd = handle.DangerousGetFd();
            return OperatingSystem.IsLinux() && handle.Kernel is LinuxKernel linux ? linux.Ioctl(fd, request, argument) : handle.Kernel.Ioctl(fd, request, argument);
        }
        finally
        {
            handle.DangerousRelease();
        }
    }

    /// <summary>Takes a reference on an open, valid handle; false, without one, when it is closed or invalid.</summary>
    private static bool TryReference(KernelFileHandle handle)
    {
        if (handle.IsClosed || handle.IsInvalid)
        {
            return false;
        }

        var referenced = false;
        try
        {
            handle.DangerousAddRef(ref referenced);
        }
        catch (ObjectDisposedException)
        {
            // Disposed by another thread between the check above and here.
            return false;
        }

        return referenced;
    }
}
