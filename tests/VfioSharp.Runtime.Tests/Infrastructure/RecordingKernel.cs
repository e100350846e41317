using VfioSharp.Kernel;

namespace VfioSharp.Runtime.Tests.Infrastructure;

/// <summary>
/// A kernel that reaches no OS: it records the calls that handles and the ioctl path make to it. Only for
/// checking that a handle talks to the kernel that opened it; everything else fails with ENOSYS.
/// </summary>
internal sealed class RecordingKernel : IKernel
{
    private readonly List<int> _closed = [];
    private readonly List<(int Fd, ulong Request, nint Argument)> _ioctls = [];

    public IReadOnlyList<int> Closed => _closed;

    public IReadOnlyList<(int Fd, ulong Request, nint Argument)> Ioctls => _ioctls;

    public long IoctlResult { get; set; }

    /// <summary>When set, plays the kernel's part of an ioctl (fd, request, argument) and returns its result.</summary>
    public Func<int, ulong, nint, long>? IoctlBehavior { get; set; }

    public int Close(int fd)
    {
        lock (_closed)
        {
            _closed.Add(fd);
        }

        return 0;
    }

    public long Ioctl(int fd, ulong request, nint argument)
    {
        lock (_ioctls)
        {
            _ioctls.Add((fd, request, argument));
        }

        return IoctlBehavior?.Invoke(fd, request, argument) ?? IoctlResult;
    }

    public int Open(string path, OpenFlags flags) => -Errno.ENOSYS.Value;

    public nint Mmap(nint address, nuint length, MemoryProtection protection, MapFlags flags, int fd, long offset) => -Errno.ENOSYS.Value;

    public int Munmap(nint address, nuint length) => -Errno.ENOSYS.Value;

    public int EventFd(uint initialValue, EventFdFlags flags) => -Errno.ENOSYS.Value;

    public long Read(int fd, Span<byte> buffer) => -Errno.ENOSYS.Value;

    public long Write(int fd, ReadOnlySpan<byte> buffer) => -Errno.ENOSYS.Value;

    public long PRead(int fd, Span<byte> buffer, long offset) => -Errno.ENOSYS.Value;

    public long PWrite(int fd, ReadOnlySpan<byte> buffer, long offset) => -Errno.ENOSYS.Value;

    public int Poll(Span<PollDescriptor> descriptors, int timeoutMilliseconds) => -Errno.ENOSYS.Value;

    public int ReadText(string path, out string text)
    {
        text = string.Empty;
        return -Errno.ENOSYS.Value;
    }

    public int ReadLink(string path, out string target)
    {
        target = string.Empty;
        return -Errno.ENOSYS.Value;
    }

    public int ListDirectory(string path, out IReadOnlyList<string> entries)
    {
        entries = [];
        return -Errno.ENOSYS.Value;
    }
}
