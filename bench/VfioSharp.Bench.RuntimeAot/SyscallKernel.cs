using System.Runtime.InteropServices;
using VfioSharp.Bench.Runtime;
using VfioSharp.Kernel;

namespace VfioSharp.Bench.RuntimeAot;

/// <summary>
/// <see cref="NullKernel"/> whose every ioctl also makes one real, cheap syscall (FIONBIO on /dev/null): the
/// runtime's bookkeeping then runs between syscalls, as it does on a real VFIO fd.
/// </summary>
internal sealed unsafe partial class SyscallKernel : IKernel, IDisposable
{
    private const ulong Fionbio = 0x5421;
    private readonly NullKernel _nothing = new();
    private readonly int _devNull;
    private int _value;

    public SyscallKernel()
    {
        _devNull = LinuxKernel.Instance.Open("/dev/null", OpenFlags.ReadWrite);
        if (_devNull < 0)
        {
            throw new InvalidOperationException($"open /dev/null: {Errno.FromResult(_devNull)}");
        }
    }

    public long Ioctl(int fd, ulong request, nint argument)
    {
        // SAFETY: _value is pinned for the call; FIONBIO reads one int through the pointer.
        fixed (int* value = &_value)
        {
            _ = LinuxKernel.Instance.Ioctl(_devNull, Fionbio, (nint)value);
        }

        return _nothing.Ioctl(fd, request, argument);
    }

    public int Open(string path, OpenFlags flags) => _nothing.Open(path, flags);

    public int Close(int fd) => _nothing.Close(fd);

    public nint Mmap(nint address, nuint length, MemoryProtection protection, MapFlags flags, int fd, long offset) => _nothing.Mmap(address, length, protection, flags, fd, offset);

    public int Munmap(nint address, nuint length) => _nothing.Munmap(address, length);

    public int EventFd(uint initialValue, EventFdFlags flags) => _nothing.EventFd(initialValue, flags);

    public long Read(int fd, Span<byte> buffer) => _nothing.Read(fd, buffer);

    public long Write(int fd, ReadOnlySpan<byte> buffer) => _nothing.Write(fd, buffer);

    public long PRead(int fd, Span<byte> buffer, long offset) => _nothing.PRead(fd, buffer, offset);

    public long PWrite(int fd, ReadOnlySpan<byte> buffer, long offset) => _nothing.PWrite(fd, buffer, offset);

    public int Poll(Span<PollDescriptor> descriptors, int timeoutMilliseconds) => _nothing.Poll(descriptors, timeoutMilliseconds);

    public int ReadText(string path, out string text) => _nothing.ReadText(path, out text);

    public int ReadLink(string path, out string target) => _nothing.ReadLink(path, out target);

    public int ListDirectory(string path, out IReadOnlyList<string> entries) => _nothing.ListDirectory(path, out entries);

    public void Dispose() => _ = LinuxKernel.Instance.Close(_devNull);
}
