using System.Runtime.InteropServices;

namespace VfioSharp.Kernel;

/// <summary>
/// The C library functions <see cref="LinuxKernel"/> calls, bound with <c>LibraryImport</c> (source-generated,
/// AOT-safe marshalling). Each but <see cref="Ioctl"/> sets errno, which <see cref="Marshal.GetLastPInvokeError"/>
/// reads back; the marshaller clears errno before the call, so a null result with errno 0 (<c>readdir</c>'s end)
/// is told apart from a failure.
/// </summary>
/// <remarks>
/// <c>open</c> and <c>ioctl</c> are variadic in C. On Linux x86_64 and arm64 a variadic callee reads the
/// extra integer or pointer argument from the same register as a fixed parameter, so declaring it as one is
/// sound there (the same binding .NET's own System.Native and Mono.Posix use).
/// </remarks>
internal static unsafe partial class Libc
{
    private const string Library = "libc";

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags, int mode);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    /// <summary>
    /// <c>ioctl</c>, every VFIO call's path, without the marshaller's errno handling: the caller reads errno
    /// (<see cref="Marshal.GetLastSystemError"/>) right after a -1 result and before anything else, which is all
    /// the generated <c>SetLastError</c> code does too (it reads errno the same way, in managed code after the
    /// call's return transition). <c>ioctl</c> sets errno whenever it returns -1, so that code's clearing errno
    /// before the call and copying it for <see cref="Marshal.GetLastPInvokeError"/> after are not needed, and a
    /// successful call pays for neither (two calls into System.Native and a thread-static store: about 10 ns of
    /// a 350 ns FIONBIO on the development VM, bench/runtime/README.md).
    /// </summary>
    [LibraryImport(Library, EntryPoint = "ioctl")]
    internal static partial int Ioctl(int fd, ulong request, nint argument);

    [LibraryImport(Library, EntryPoint = "mmap", SetLastError = true)]
    internal static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport(Library, EntryPoint = "munmap", SetLastError = true)]
    internal static partial int Munmap(nint address, nuint length);

    [LibraryImport(Library, EntryPoint = "eventfd", SetLastError = true)]
    internal static partial int EventFd(uint initialValue, int flags);

    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    internal static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    internal static partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "pread64", SetLastError = true)]
    internal static partial nint PRead(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport(Library, EntryPoint = "pwrite64", SetLastError = true)]
    internal static partial nint PWrite(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport(Library, EntryPoint = "poll", SetLastError = true)]
    internal static partial int Poll(PollDescriptor* descriptors, nuint count, int timeoutMilliseconds);

    [LibraryImport(Library, EntryPoint = "readlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint ReadLink(string path, byte* buffer, nuint size);

    [LibraryImport(Library, EntryPoint = "opendir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint OpenDirectory(string path);

    /// <summary>Returns a <c>struct dirent *</c>, or null at the end (errno 0) or on failure (errno set).</summary>
    [LibraryImport(Library, EntryPoint = "readdir", SetLastError = true)]
    internal static partial nint ReadDirectory(nint directory);

    [LibraryImport(Library, EntryPoint = "closedir", SetLastError = true)]
    internal static partial int CloseDirectory(nint directory);

    /// <summary>The offset of <c>d_name</c> in glibc's 64-bit <c>struct dirent</c> (d_ino 8, d_off 8, d_reclen 2, d_type 1).</summary>
    internal const int DirectoryEntryNameOffset = 19;
}
