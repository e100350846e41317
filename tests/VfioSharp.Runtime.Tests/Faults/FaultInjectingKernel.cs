using System.Globalization;
using VfioSharp.Kernel;

namespace VfioSharp.Runtime.Tests.Faults;

/// <summary>
/// Passes every call to another kernel, numbering the calls that can fail; the call numbered
/// <see cref="FailAt"/> fails with an errno Linux can give for it instead. A recorded successful run
/// gives the number of injection points: they are counted, not listed by hand.
/// </summary>
/// <remarks>
/// A failing <c>close</c> still releases the descriptor (Linux does: the fd is gone even when close
/// reports EIO), so a fault there must not leak anything either. Poll is not a failure point: the runtime's
/// waits retry on it, and a wait is not a setup or teardown step.
/// </remarks>
internal sealed class FaultInjectingKernel(IKernel inner) : IKernel
{
    private readonly Lock _gate = new();
    private readonly List<string> _calls = [];

    /// <summary>The number of the call to fail (0-based), or null to fail none.</summary>
    public int? FailAt { get; set; }

    /// <summary>What was called, in order: the injection points of the run.</summary>
    public IReadOnlyList<string> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>The call that was failed, once it was.</summary>
    public string? Failed { get; private set; }

    public int Open(string path, OpenFlags flags) => Point($"open {path}", Errno.EACCES) ?? inner.Open(path, flags);

    public int Close(int fd)
    {
        var injected = Point($"close fd {fd}", Errno.EIO);
        var result = inner.Close(fd);
        return injected ?? result;
    }

    public long Ioctl(int fd, ulong request, nint argument)
        => Point($"ioctl 0x{request.ToString("x", CultureInfo.InvariantCulture)} on fd {fd}", Errno.EINVAL) ?? inner.Ioctl(fd, request, argument);

    public nint Mmap(nint address, nuint length, MemoryProtection protection, MapFlags flags, int fd, long offset)
        => Point($"mmap {length} bytes of fd {fd}", Errno.ENOMEM) ?? inner.Mmap(address, length, protection, flags, fd, offset);

    public int Munmap(nint address, nuint length)
    {
        // Like close: the fault is reported, and the memory is released anyway, so a test of "nothing
        // left" measures the runtime, not the injection.
        var injected = Point($"munmap {length} bytes", Errno.EINVAL);
        var result = inner.Munmap(address, length);
        return injected ?? result;
    }

    public int EventFd(uint initialValue, EventFdFlags flags) => Point("eventfd", Errno.EMFILE) ?? inner.EventFd(initialValue, flags);

    public long Read(int fd, Span<byte> buffer) => Point($"read fd {fd}", Errno.EIO) ?? inner.Read(fd, buffer);

    public long Write(int fd, ReadOnlySpan<byte> buffer) => Point($"write fd {fd}", Errno.EIO) ?? inner.Write(fd, buffer);

    public long PRead(int fd, Span<byte> buffer, long offset) => Point($"pread fd {fd} at 0x{offset:x}", Errno.EIO) ?? inner.PRead(fd, buffer, offset);

    public long PWrite(int fd, ReadOnlySpan<byte> buffer, long offset) => Point($"pwrite fd {fd} at 0x{offset:x}", Errno.EIO) ?? inner.PWrite(fd, buffer, offset);

    public int Poll(Span<PollDescriptor> descriptors, int timeoutMilliseconds) => inner.Poll(descriptors, timeoutMilliseconds);

    public int ReadText(string path, out string text)
    {
        if (Point($"read {path}", Errno.EACCES) is { } injected)
        {
            text = string.Empty;
            return injected;
        }

        return inner.ReadText(path, out text);
    }

    public int ReadLink(string path, out string target)
    {
        if (Point($"readlink {path}", Errno.EACCES) is { } injected)
        {
            target = string.Empty;
            return injected;
        }

        return inner.ReadLink(path, out target);
    }

    public int ListDirectory(string path, out IReadOnlyList<string> entries)
    {
        if (Point($"list {path}", Errno.EACCES) is { } injected)
        {
            entries = [];
            return injected;
        }

        return inner.ListDirectory(path, out entries);
    }

    /// <summary>Numbers the call; returns <c>-errno</c> when it is the one to fail.</summary>
    private int? Point(string call, Errno errno)
    {
        lock (_gate)
        {
            var number = _calls.Count;
            _calls.Add(call);
            if (number != FailAt)
            {
                return null;
            }

            Failed = $"{call} ({errno.Name})";
            return -errno.Value;
        }
    }
}
