using System.Buffers.Binary;
using VfioSharp.Kernel;
using VfioSharp.Simulation.Core;

namespace VfioSharp.Simulation.EventFds;

/// <summary>
/// An eventfd(2) (<c>fs/eventfd.c</c>): a 64-bit counter that writes add to and reads take (all of it, or one in
/// semaphore mode). A read of zero blocks, or fails with EAGAIN when non-blocking; a write that would reach
/// 0xffffffffffffffff blocks (EAGAIN when non-blocking) until a read makes room.
/// </summary>
internal sealed class EventFdFile(SimulatedKernel kernel, uint initialValue, EventFdFlags flags) : SimulatedFile(kernel)
{
    private const ulong Maximum = ulong.MaxValue - 1;

    private ulong _counter = initialValue;

    public override string Description => "eventfd";

    public override bool Readable => _counter > 0;

    public override bool Writable => _counter < Maximum;

    private bool NonBlocking => (flags & EventFdFlags.NonBlocking) != 0;

    /// <summary>
    /// Adds one, as a device raising the interrupt this eventfd stands for (<c>eventfd_signal</c>: the kernel side
    /// never blocks; a counter already at its maximum stays there).
    /// </summary>
    public void Signal()
    {
        if (_counter < Maximum)
        {
            _counter++;
        }

        Kernel.Wake();
    }

    public override long Read(Span<byte> buffer)
    {
        if (buffer.Length < 8)
        {
            return -LinuxErrno.EINVAL;
        }

        while (_counter == 0)
        {
            if (NonBlocking)
            {
                return -LinuxErrno.EAGAIN;
            }

            Monitor.Wait(Kernel.Gate);
        }

        var value = (flags & EventFdFlags.Semaphore) != 0 ? 1 : _counter;
        _counter -= value;
        BinaryPrimitives.WriteUInt64LittleEndian(buffer, value);
        Kernel.Wake();
        return 8;
    }

    public override long Write(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length < 8)
        {
            return -LinuxErrno.EINVAL;
        }

        var value = BinaryPrimitives.ReadUInt64LittleEndian(buffer);
        if (value == ulong.MaxValue)
        {
            return -LinuxErrno.EINVAL;
        }

        while (Maximum - _counter < value)
        {
            if (NonBlocking)
            {
                return -LinuxErrno.EAGAIN;
            }

            Monitor.Wait(Kernel.Gate);
        }

        _counter += value;
        Kernel.Wake();
        return 8;
    }
}
