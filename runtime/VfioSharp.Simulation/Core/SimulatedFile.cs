using VfioSharp.Kernel;

namespace VfioSharp.Simulation.Core;

/// <summary>
/// What a simulated descriptor refers to. Every call reaches it under the kernel's lock (one lock: simple,
/// and correct for a simulation), so implementations need no locking of their own; one that must wait (a blocking
/// read) waits on that lock's monitor with <c>Monitor.Wait(Kernel.Gate)</c>, and whatever changes readiness calls
/// <see cref="SimulatedKernel.Wake"/>. The defaults are Linux's answers for a file that lacks the operation.
/// </summary>
internal abstract class SimulatedFile(SimulatedKernel kernel)
{
    public SimulatedKernel Kernel { get; } = kernel;

    /// <summary>What the file is, for leak reports.</summary>
    public abstract string Description { get; }

    public virtual long Ioctl(ulong request, nint argument) => -LinuxErrno.ENOTTY;

    public virtual long Read(Span<byte> buffer) => -LinuxErrno.EINVAL;

    public virtual long Write(ReadOnlySpan<byte> buffer) => -LinuxErrno.EINVAL;

    public virtual long PRead(Span<byte> buffer, long offset) => -LinuxErrno.EINVAL;

    public virtual long PWrite(ReadOnlySpan<byte> buffer, long offset) => -LinuxErrno.EINVAL;

    public virtual nint Mmap(nuint length, MemoryProtection protection, MapFlags flags, long offset) => -LinuxErrno.ENODEV;

    /// <summary>Whether a read would not block (POLLIN).</summary>
    public virtual bool Readable => false;

    /// <summary>Whether a write would not block (POLLOUT).</summary>
    public virtual bool Writable => false;

    /// <summary>The descriptor was closed: release what the file holds.</summary>
    public virtual void Release()
    {
    }
}
