using System.Globalization;

namespace VfioSharp.Kernel;

/// <summary>
/// A Linux errno: the error code of a failed system call. <see cref="IKernel"/> methods return it negated;
/// <see cref="FromResult"/> turns such a result back into an <see cref="Errno"/>.
/// </summary>
/// <param name="Value">The errno's number (positive), as in <c>&lt;errno.h&gt;</c> on Linux x86_64.</param>
/// <remarks>
/// <see cref="Name"/> and <see cref="Message"/> come from a table of Linux x86_64 errnos 1..133 whose text is
/// glibc's (<c>strerrorname_np</c>, <c>strerror</c> in the C locale). Equality is by <see cref="Value"/>.
/// </remarks>
public readonly record struct Errno(int Value)
{
    /// <summary>The name given to a number that Linux defines no errno for.</summary>
    public const string UnknownName = "UNKNOWN";

    /// <summary><c>EPERM</c> (1): the caller lacks a capability (CAP_SYS_RAWIO for no-IOMMU) or a file's permission bits forbid the access.</summary>
    public static readonly Errno EPERM = new(1);

    /// <summary><c>ENOENT</c> (2): a path (device node, sysfs attribute) does not exist.</summary>
    public static readonly Errno ENOENT = new(2);

    /// <summary><c>ESRCH</c> (3): no such process.</summary>
    public static readonly Errno ESRCH = new(3);

    /// <summary><c>EINTR</c> (4): a signal interrupted a call; <see cref="LinuxKernel"/> retries where POSIX allows.</summary>
    public static readonly Errno EINTR = new(4);

    /// <summary><c>EIO</c> (5): the device failed an access.</summary>
    public static readonly Errno EIO = new(5);

    /// <summary><c>ENXIO</c> (6): no such device or address: a region or BAR that is absent.</summary>
    public static readonly Errno ENXIO = new(6);

    /// <summary><c>E2BIG</c> (7): an argument or reply is too large.</summary>
    public static readonly Errno E2BIG = new(7);

    /// <summary><c>EBADF</c> (9): the descriptor is not open, or a handle was already closed.</summary>
    public static readonly Errno EBADF = new(9);

    /// <summary><c>EAGAIN</c> (11): try again (<c>EWOULDBLOCK</c>): a non-blocking call would wait.</summary>
    public static readonly Errno EAGAIN = new(11);

    /// <summary><c>ENOMEM</c> (12): out of memory, or over <c>RLIMIT_MEMLOCK</c> when pinning DMA memory.</summary>
    public static readonly Errno ENOMEM = new(12);

    /// <summary><c>EACCES</c> (13): permission denied by a file's mode or by the kernel's policy.</summary>
    public static readonly Errno EACCES = new(13);

    /// <summary><c>EFAULT</c> (14): an argument pointer points outside the process's memory.</summary>
    public static readonly Errno EFAULT = new(14);

    /// <summary><c>EBUSY</c> (16): device or resource busy: a group already in use, a release in the wrong order.</summary>
    public static readonly Errno EBUSY = new(16);

    /// <summary><c>EEXIST</c> (17): the object already exists: an overlapping DMA mapping.</summary>
    public static readonly Errno EEXIST = new(17);

    /// <summary><c>EXDEV</c> (18): a cross-device operation: objects of different containers or contexts.</summary>
    public static readonly Errno EXDEV = new(18);

    /// <summary><c>ENODEV</c> (19): no such device: a device that is not bound to vfio-pci, or an unsupported IOMMU type.</summary>
    public static readonly Errno ENODEV = new(19);

    /// <summary><c>ENOTDIR</c> (20): a path component is not a directory.</summary>
    public static readonly Errno ENOTDIR = new(20);

    /// <summary><c>EINVAL</c> (22): an invalid argument: a wrong <c>argsz</c>, flags, or an unaligned IOVA.</summary>
    public static readonly Errno EINVAL = new(22);

    /// <summary><c>ENFILE</c> (23): the system's open file table is full.</summary>
    public static readonly Errno ENFILE = new(23);

    /// <summary><c>EMFILE</c> (24): the process's descriptor limit is reached.</summary>
    public static readonly Errno EMFILE = new(24);

    /// <summary><c>ENOTTY</c> (25): the descriptor does not implement the ioctl.</summary>
    public static readonly Errno ENOTTY = new(25);

    /// <summary><c>ENOSPC</c> (28): no space left: an IOVA range or a DMA mapping limit is exhausted.</summary>
    public static readonly Errno ENOSPC = new(28);

    /// <summary><c>EROFS</c> (30): read-only file system.</summary>
    public static readonly Errno EROFS = new(30);

    /// <summary><c>ERANGE</c> (34): a value is out of range.</summary>
    public static readonly Errno ERANGE = new(34);

    /// <summary><c>ENOSYS</c> (38): the function is not implemented.</summary>
    public static readonly Errno ENOSYS = new(38);

    /// <summary><c>ENODATA</c> (61): no data available.</summary>
    public static readonly Errno ENODATA = new(61);

    /// <summary><c>EOVERFLOW</c> (75): a value does not fit its type.</summary>
    public static readonly Errno EOVERFLOW = new(75);

    /// <summary><c>EMSGSIZE</c> (90): a reply does not fit the caller's buffer (iommufd's two-call protocol).</summary>
    public static readonly Errno EMSGSIZE = new(90);

    /// <summary><c>EOPNOTSUPP</c> (95): the operation is not supported (<c>ENOTSUP</c>).</summary>
    public static readonly Errno EOPNOTSUPP = new(95);

    /// <summary><c>ETIMEDOUT</c> (110): a wait timed out.</summary>
    public static readonly Errno ETIMEDOUT = new(110);

    /// <summary><c>ECANCELED</c> (125): the operation was canceled.</summary>
    public static readonly Errno ECANCELED = new(125);

    /// <summary>The symbolic name, such as <c>EBUSY</c>; <see cref="UnknownName"/> for a number Linux defines no errno for.</summary>
    public string Name => ErrnoTable.NameOf(Value) ?? UnknownName;

    /// <summary>The message <c>strerror</c> gives, such as <c>Device or resource busy</c>; <c>Unknown error N</c> for a number Linux defines no errno for.</summary>
    public string Message => ErrnoTable.MessageOf(Value)
        ?? (Value == 0 ? "Success" : "Unknown error " + Value.ToString(CultureInfo.InvariantCulture));

    /// <summary>Turns the negative result of an <see cref="IKernel"/> call (<c>-errno</c>) into its errno.</summary>
    /// <param name="result">A negative result, such as <c>-22</c>.</param>
    /// <returns>The errno, such as <see cref="EINVAL"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="result"/> is not in [-<see cref="int.MaxValue"/>, -1]: it is a success, not an error.</exception>
    public static Errno FromResult(long result)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(result, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(result, -int.MaxValue);
        return new Errno((int)-result);
    }

    /// <summary>The name, number and message, as in <c>EBUSY (16): Device or resource busy</c>.</summary>
    /// <returns>The errno described for people.</returns>
    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"{Name} ({Value}): {Message}");
}
