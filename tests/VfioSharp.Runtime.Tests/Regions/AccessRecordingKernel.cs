using VfioSharp.Kernel;
using VfioSharp.Runtime.Tests.Infrastructure;

namespace VfioSharp.Runtime.Tests.Regions;

/// <summary>
/// The simulated kernel with a record of every pread/pwrite (length and offset) and a switch that makes mmap
/// fail: what proves an access is one syscall of exactly its width, or none at all through a mapping.
/// </summary>
internal sealed class AccessRecordingKernel(IKernel inner) : ForwardingKernel(inner)
{
    private readonly List<(string Call, int Length, long Offset)> _accesses = [];

    /// <summary>When set, mmap of a device fd (not anonymous memory) fails with this errno.</summary>
    public Errno? FailDeviceMmap { get; set; }

    public IReadOnlyList<(string Call, int Length, long Offset)> Accesses
    {
        get
        {
            lock (_accesses)
            {
                return [.. _accesses];
            }
        }
    }

    public void Clear()
    {
        lock (_accesses)
        {
            _accesses.Clear();
        }
    }

    public override long PRead(int fd, Span<byte> buffer, long offset)
    {
        Record("pread", buffer.Length, offset);
        return base.PRead(fd, buffer, offset);
    }

    public override long PWrite(int fd, ReadOnlySpan<byte> buffer, long offset)
    {
        Record("pwrite", buffer.Length, offset);
        return base.PWrite(fd, buffer, offset);
    }

    public override nint Mmap(nint address, nuint length, MemoryProtection protection, MapFlags flags, int fd, long offset)
        => fd >= 0 && FailDeviceMmap is { } errno ? -errno.Value : base.Mmap(address, length, protection, flags, fd, offset);

    private void Record(string call, int length, long offset)
    {
        lock (_accesses)
        {
            _accesses.Add((call, length, offset));
        }
    }
}
