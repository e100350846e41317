using VfioSharp.Kernel;

namespace VfioSharp.Runtime.Tests.Infrastructure;

/// <summary>Passes every call to another kernel; tests override the calls they plant a bug in.</summary>
internal class ForwardingKernel(IKernel inner) : IKernel
{
    public virtual int Open(string path, OpenFlags flags) => inner.Open(path, flags);

    public virtual int Close(int fd) => inner.Close(fd);

    public virtual long Ioctl(int fd, ulong request, nint argument) => inner.Ioctl(fd, request, argument);

    public virtual nint Mmap(nint address, nuint length, MemoryProtection protection, MapFlags flags, int fd, long offset) => inner.Mmap(address, length, protection, flags, fd, offset);

    public virtual int Munmap(nint address, nuint length) => inner.Munmap(address, length);

    public virtual int EventFd(uint initialValue, EventFdFlags flags) => inner.EventFd(initialValue, flags);

    public virtual long Read(int fd, Span<byte> buffer) => inner.Read(fd, buffer);

    public virtual long Write(int fd, ReadOnlySpan<byte> buffer) => inner.Write(fd, buffer);

    public virtual long PRead(int fd, Span<byte> buffer, long offset) => inner.PRead(fd, buffer, offset);

    public virtual long PWrite(int fd, ReadOnlySpan<byte> buffer, long offset) => inner.PWrite(fd, buffer, offset);

    public virtual int Poll(Span<PollDescriptor> descriptors, int timeoutMilliseconds) => inner.Poll(descriptors, timeoutMilliseconds);

    public virtual int ReadText(string path, out string text) => inner.ReadText(path, out text);

    public virtual int ReadLink(string path, out string target) => inner.ReadLink(path, out target);

    public virtual int ListDirectory(string path, out IReadOnlyList<string> entries) => inner.ListDirectory(path, out entries);
}
