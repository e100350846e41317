using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;

namespace VfioSharp.Kernel;

/// <summary>
/// The real kernel: every <see cref="IKernel"/> method is one libc call (a few for the whole-file and
/// directory reads), with errno read back through <see cref="Marshal.GetLastPInvokeError"/> (for
/// <c>ioctl</c>, the hot path, <see cref="Marshal.GetLastSystemError"/> on failure only) and returned negated.
/// </summary>
/// <remarks>
/// A call that a signal interrupts (<c>EINTR</c>) is retried where POSIX allows it: <c>open</c>, <c>ioctl</c>,
/// <c>read</c>, <c>write</c>, <c>pread</c>, <c>pwrite</c> and <c>poll</c> (with the time that is left).
/// <c>close</c> is never retried: Linux releases the descriptor even when it reports <c>EINTR</c>, and a
/// retry could close a descriptor another thread has just been given.
/// </remarks>
[SupportedOSPlatform("linux")]
public sealed unsafe class LinuxKernel : IKernel
{
    private const int EINTR = 4;

    private LinuxKernel()
    {
    }

    /// <summary>The one instance: the kernel has no state of its own here.</summary>
    public static LinuxKernel Instance { get; } = new();

    /// <inheritdoc/>
    public int Open(string path, OpenFlags flags)
    {
        ArgumentNullException.ThrowIfNull(path);
        while (true)
        {
            var fd = Libc.Open(path, (int)flags, 0);
            if (fd >= 0)
            {
                return fd;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR)
            {
                return -errno;
            }
        }
    }

    /// <inheritdoc/>
    public int Close(int fd)
        => Libc.Close(fd) == 0 ? 0 : -Marshal.GetLastPInvokeError();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Ioctl(int fd, ulong request, nint argument)
    {
        while (true)
        {
            var result = Libc.Ioctl(fd, request, argument);
            if (result >= 0)
            {
                return result;
            }

            // Nothing may run between the call and this read: see Libc.Ioctl.
            var errno = Marshal.GetLastSystemError();
            if (errno != EINTR)
            {
                return -errno;
            }
        }
    }

    /// <inheritdoc/>
    public nint Mmap(nint address, nuint length, MemoryProtection protection, MapFlags flags, int fd, long offset)
    {
        var mapped = Libc.Mmap(address, length, (int)protection, (int)flags, fd, offset);

        // MAP_FAILED is (void *)-1; every other value is the mapping's address.
        return mapped == -1 ? -Marshal.GetLastPInvokeError() : mapped;
    }

    /// <inheritdoc/>
    public int Munmap(nint address, nuint length)
        => Libc.Munmap(address, length) == 0 ? 0 : -Marshal.GetLastPInvokeError();

    /// <inheritdoc/>
    public int EventFd(uint initialValue, EventFdFlags flags)
    {
        var fd = Libc.EventFd(initialValue, (int)flags);
        return fd >= 0 ? fd : -Marshal.GetLastPInvokeError();
    }

    /// <inheritdoc/>
    public long Read(int fd, Span<byte> buffer)
    {
        // SAFETY: the span is pinned for the call and the kernel writes at most buffer.Length bytes to it.
        fixed (byte* bytes = buffer)
        {
            while (true)
            {
                var count = Libc.Read(fd, bytes, (nuint)buffer.Length);
                if (RetryOrResult(count, out var result))
                {
                    return result;
                }
            }
        }
    }

    /// <inheritdoc/>
    public long Write(int fd, ReadOnlySpan<byte> buffer)
    {
        // SAFETY: the span is pinned for the call; write(2) only reads buffer.Length bytes from it, so
        // handing it a non-const pointer to read-only memory is sound.
        fixed (byte* bytes = buffer)
        {
            while (true)
            {
                var count = Libc.Write(fd, bytes, (nuint)buffer.Length);
                if (RetryOrResult(count, out var result))
                {
                    return result;
                }
            }
        }
    }

    /// <inheritdoc/>
    public long PRead(int fd, Span<byte> buffer, long offset)
    {
        // SAFETY: the span is pinned for the call and the kernel writes at most buffer.Length bytes to it.
        fixed (byte* bytes = buffer)
        {
            while (true)
            {
                var count = Libc.PRead(fd, bytes, (nuint)buffer.Length, offset);
                if (RetryOrResult(count, out var result))
                {
                    return result;
                }
            }
        }
    }

    /// <inheritdoc/>
    public long PWrite(int fd, ReadOnlySpan<byte> buffer, long offset)
    {
        // SAFETY: the span is pinned for the call; pwrite(2) only reads buffer.Length bytes from it.
        fixed (byte* bytes = buffer)
        {
            while (true)
            {
                var count = Libc.PWrite(fd, bytes, (nuint)buffer.Length, offset);
                if (RetryOrResult(count, out var result))
                {
                    return result;
                }
            }
        }
    }

    /// <inheritdoc/>
    public int Poll(Span<PollDescriptor> descriptors, int timeoutMilliseconds)
    {
        var deadline = timeoutMilliseconds > 0 ? Environment.TickCount64 + timeoutMilliseconds : 0;

        // SAFETY: PollDescriptor has struct pollfd's sequential layout (int, short, short); the span is
        // pinned for the call and the kernel touches exactly descriptors.Length entries.
        fixed (PollDescriptor* entries = descriptors)
        {
            while (true)
            {
                var ready = Libc.Poll(entries, (nuint)descriptors.Length, timeoutMilliseconds);
                if (ready >= 0)
                {
                    return ready;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno != EINTR)
                {
                    return -errno;
                }

                if (timeoutMilliseconds > 0)
                {
                    var left = deadline - Environment.TickCount64;
                    if (left <= 0)
                    {
                        return 0;
                    }

                    timeoutMilliseconds = (int)left;
                }
            }
        }
    }

    /// <inheritdoc/>
    public int ReadText(string path, out string text)
    {
        text = string.Empty;
        var fd = Open(path, OpenFlags.ReadOnly | OpenFlags.CloseOnExec);
        if (fd < 0)
        {
            return fd;
        }

        // sysfs and procfs report sizes that mean nothing (4096, 0): read until end of file.
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var count = Read(fd, buffer.AsSpan(length));
                if (count < 0)
                {
                    return (int)count;
                }

                if (count == 0)
                {
                    break;
                }

                length += (int)count;
            }

            text = Encoding.UTF8.GetString(buffer, 0, length);
            return 0;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _ = Close(fd);
        }
    }

    /// <inheritdoc/>
    public int ReadLink(string path, out string target)
    {
        ArgumentNullException.ThrowIfNull(path);
        target = string.Empty;
        for (var size = 256; ; size *= 2)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(size);
            try
            {
                nint count;

                // SAFETY: the array is pinned for the call and readlink(2) writes at most buffer.Length bytes.
                fixed (byte* bytes = buffer)
                {
                    count = Libc.ReadLink(path, bytes, (nuint)buffer.Length);
                }

                if (count < 0)
                {
                    return -Marshal.GetLastPInvokeError();
                }

                // A target that fills the buffer may have been cut short: try again with a larger one.
                if (count < buffer.Length)
                {
                    target = Encoding.UTF8.GetString(buffer, 0, (int)count);
                    return 0;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <inheritdoc/>
    public int ListDirectory(string path, out IReadOnlyList<string> entries)
    {
        ArgumentNullException.ThrowIfNull(path);
        entries = [];
        var directory = Libc.OpenDirectory(path);
        if (directory == 0)
        {
            return -Marshal.GetLastPInvokeError();
        }

        try
        {
            var names = new List<string>();
            while (true)
            {
                var entry = Libc.ReadDirectory(directory);
                if (entry == 0)
                {
                    // The marshaller cleared errno before the call: 0 is the end, anything else a failure.
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno != 0)
                    {
                        return -errno;
                    }

                    break;
                }

                // SAFETY: readdir returned a struct dirent that stays valid until the next readdir/closedir
                // on this stream; d_name is a NUL-terminated byte string at a fixed offset inside it.
                var name = Marshal.PtrToStringUTF8(entry + Libc.DirectoryEntryNameOffset)!;
                if (name is not "." and not "..")
                {
                    names.Add(name);
                }
            }

            names.Sort(StringComparer.Ordinal);
            entries = names.AsReadOnly();
            return 0;
        }
        finally
        {
            _ = Libc.CloseDirectory(directory);
        }
    }

    /// <summary>
    /// Decides what a byte-count result means: true with the count or <c>-errno</c> in
    /// <paramref name="result"/>, or false when a signal interrupted the call and it should be made again.
    /// </summary>
    private static bool RetryOrResult(nint count, out long result)
    {
        if (count >= 0)
        {
            result = count;
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        result = -errno;
        return errno != EINTR;
    }
}
