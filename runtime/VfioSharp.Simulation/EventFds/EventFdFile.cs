using System.Buffers.Binary;
using VfioSharp.Kernel;
using VfioSharp.Simulation.Core;

namespace VfioSharp.Simulation.EventFds;

/// <summary>An eventfd(2): a 64-bit counter that writes add to and reads take (all of it, or one in semaphore mode).</summary>
internal sealed class EventFdFile(SimulatedKernel kernel, uint initialValue, EventFdFlags flags) : SimulatedFile(kernel)
{
    private ulong _counter = initialValue;

    public override string Description => "eventfd";

    public override bool Readable => _counter > 0;

    /// <summary>Adds one, as a device raising the interrupt this eventfd stands for.</summary>
    public void Signal()
    {
        _counter++;
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
            if ((flags & EventFdFlags.NonBlocking) != 0)
            {
                return -LinuxErrno.EAGAIN;
            }

            Monitor.Wait(Kernel.Gate);
        }

        var value = (flags & EventFdFlags.Semaphore) != 0 ? 1 : _counter;
        _counter -= value;
        BinaryPrimitives.WriteUInt64LittleEndian(buffer, value);
        return 8;
    }

    public override long Write(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length < 8)
        {
            return -LinuxErrno.EINVAL;
        }

        var value = BinaryPrimitives.ReadUInt64LittleEndian(buffer);
        if (value == ulong.MaxValue || _counter + value >= ulong.MaxValue)
        {
            // Linux would block (or EAGAIN) until the counter drains; nothing here writes that much.
            return value == ulong.MaxValue ? -LinuxErrno.EINVAL : -LinuxErrno.EAGAIN;
        }

        _counter += value;
        Kernel.Wake();
        return 8;
    }
}
