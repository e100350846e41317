using VfioSharp.Kernel;

namespace VfioSharp.Runtime.Tests.Infrastructure;

/// <summary>The real kernel, with a count of the closes that reach it: "closed exactly once" is counted, not guessed.</summary>
internal sealed class CountingKernel : IKernel
{
    private readonly LinuxKernel _linux = LinuxKernel.Instance;
    private int _closes;

    public int Closes => Volatile.Read(ref _closes);

    public int Close(int fd)
    {
        Interlocked.Increment(ref _closes);
        return _linux.Close(fd);
    }

    public int Open(string path, OpenFlags flags) => _linux.Open(path, flags);

    public long Ioctl(int fd, ulong request, nint argument) => _linux.Ioctl(fd, request, argument);

    public nint Mmap(nint address, nuint length, MemoryProtection protection, MapFlags flags, int fd, long offset)
        => _linux.Mmap(address, length, protection, flags, fd, offset);

    public int Munmap(nint address, nuint length) => _linux.Munmap(address, length);

    public int EventFd(uint initialValue, EventFdFlags flags) => _linux.EventFd(initialValue, flags);

    public long Read(int fd, Span<byte> buffer) => _linux.Read(fd, buffer);

    public long Write(int fd, ReadOnlySpan<byte> buffer) => _linux.Write(fd, buffer);

    public long PRead(int fd, Span<byte> buffer, long offset) => _linux.PRead(fd, buffer, offset);

    public long PWrite(int fd, ReadOnlySpan<byte> buffer, long offset) => _linux.PWrite(fd, buffer, offset);

    public int Poll(Span<PollDescriptor> descriptors, int timeoutMilliseconds) => _linux.Poll(descriptors, timeoutMilliseconds);

    public int ReadText(string path, out string text) => _linux.ReadText(path, out text);

    public int ReadLink(string path, out string target) => _linux.ReadLink(path, out target);

    public int ListDirectory(string path, out IReadOnlyList<string> entries) => _linux.ListDirectory(path, out entries);
}
