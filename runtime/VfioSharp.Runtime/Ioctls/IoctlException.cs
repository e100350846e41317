using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using VfioSharp.Handles;
using VfioSharp.Kernel;

namespace VfioSharp.Ioctls;

/// <summary>
/// An ioctl failed: thrown by the throwing forms of typed ioctl calls (their <c>Try</c> forms return
/// <c>-errno</c> instead). Names the ioctl, the kind and number of the descriptor, and the errno, as in
/// <c>VFIO_DEVICE_GET_INFO on device fd 7 failed: EINVAL (22): Invalid argument</c>.
/// </summary>
[SuppressMessage("Design", "CA1032:Implement standard exception constructors", Justification = "An ioctl failure without its ioctl, descriptor and errno would say nothing.")]
public sealed class IoctlException : Exception
{
    /// <summary>Describes a failed ioctl.</summary>
    /// <param name="ioctl">The ioctl's name, such as <c>VFIO_DEVICE_GET_INFO</c>.</param>
    /// <param name="handle">The descriptor the ioctl was addressed to.</param>
    /// <param name="errno">The errno the kernel returned.</param>
    /// <exception cref="ArgumentNullException"><paramref name="ioctl"/> or <paramref name="handle"/> is null.</exception>
    public IoctlException(string ioctl, KernelFileHandle handle, Errno errno)
        : base(Describe(ioctl, handle, errno))
    {
        Ioctl = ioctl;
        FdKind = handle.Kind;
        Fd = handle.DangerousGetFd();
        Errno = errno;
        HResult = errno.Value;
    }

    /// <summary>The ioctl's name, such as <c>VFIO_DEVICE_GET_INFO</c>.</summary>
    public string Ioctl { get; }

    /// <summary>The kind of descriptor the ioctl was addressed to.</summary>
    public FdKind FdKind { get; }

    /// <summary>The descriptor's number at the time of the call.</summary>
    public int Fd { get; }

    /// <summary>The errno the kernel returned; switch on it to handle a failure.</summary>
    public Errno Errno { get; }

    /// <summary>Throws the exception for a failed call: the one line a typed call's throwing form needs.</summary>
    /// <param name="ioctl">The ioctl's name.</param>
    /// <param name="handle">The descriptor the ioctl was addressed to.</param>
    /// <param name="result">The call's negative result, <c>-errno</c>.</param>
    /// <exception cref="IoctlException">Always, unless <paramref name="result"/> is not negative.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="result"/> is not negative: it is a success.</exception>
    [DoesNotReturn]
    public static void Throw(string ioctl, KernelFileHandle handle, long result)
        => throw new IoctlException(ioctl, handle, Errno.FromResult(result));

    private static string Describe(string ioctl, KernelFileHandle handle, Errno errno)
    {
        ArgumentNullException.ThrowIfNull(ioctl);
        ArgumentNullException.ThrowIfNull(handle);
        var descriptor = handle.Kind switch
        {
            FdKind.Generic => "fd",
            FdKind.Container => "container fd",
            FdKind.Group => "group fd",
            FdKind.Device => "device fd",
            FdKind.Iommufd => "iommufd fd",
            FdKind.Migration => "migration fd",
            FdKind.DmaBuf => "dma-buf fd",
            _ => "fd",
        };
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{ioctl} on {descriptor} {handle.DangerousGetFd()} failed: {errno}");
    }
}
