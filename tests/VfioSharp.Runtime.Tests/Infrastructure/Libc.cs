using System.Runtime.InteropServices;

namespace VfioSharp.Runtime.Tests.Infrastructure;

/// <summary>
/// libc functions the tests use as oracles, independent of the runtime's own bindings: what the C library
/// says is the truth the runtime is compared with.
/// </summary>
internal static partial class Libc
{
    internal const int F_GETFD = 1;
    internal const int F_GETFL = 3;
    internal const int O_NONBLOCK = 0x800;

    /// <summary><c>fcntl(fd, cmd)</c>: -1 with errno EBADF for a descriptor that is not open.</summary>
    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int Fcntl(int fd, int command);

    [LibraryImport("libc", EntryPoint = "strerror")]
    internal static partial nint StrError(int errno);

    /// <summary>glibc 2.32+: the errno's name, or null for a number Linux defines no errno for.</summary>
    [LibraryImport("libc", EntryPoint = "strerrorname_np")]
    internal static partial nint StrErrorName(int errno);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    internal static string StrErrorText(int errno) => Marshal.PtrToStringUTF8(StrError(errno))!;

    internal static string? StrErrorNameText(int errno) => Marshal.PtrToStringUTF8(StrErrorName(errno));
}
