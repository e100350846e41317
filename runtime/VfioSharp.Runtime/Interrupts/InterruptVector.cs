using System.Buffers.Binary;
using VfioSharp.Handles;
using VfioSharp.Kernel;

namespace VfioSharp.Interrupts;

/// <summary>One interrupt vector delivered to an eventfd: wait for it, asynchronously and cancellably.</summary>
public sealed class InterruptVector
{
    internal InterruptVector(GenericFileHandle eventFd, int vector)
    {
        EventFd = eventFd;
        Vector = vector;
    }

    /// <summary>The vector number within its index.</summary>
    public int Vector { get; }

    internal GenericFileHandle EventFd { get; }

    /// <summary>
    /// Waits until the interrupt fires; returns how many times it fired since the last wait. Runs the blocking
    /// poll(2) on a thread of its own (an interrupt may take long; a pool thread must not be held), together
    /// with a private eventfd that cancellation writes, so a cancelled wait returns at once and leaks nothing.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The number of interrupts counted.</returns>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    /// <exception cref="VfioException">The kernel refused (the eventfd was closed: the interrupts were disabled).</exception>
    public Task<ulong> WaitAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.Factory.StartNew(() => Wait(Timeout.Infinite, cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Waits at most <paramref name="timeout"/>; 0 when it did not fire.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>The number of interrupts counted, or 0 on timeout.</returns>
    public ulong Wait(TimeSpan timeout) => Wait((int)Math.Clamp(timeout.TotalMilliseconds, 0, int.MaxValue), CancellationToken.None);

    private ulong Wait(int timeoutMilliseconds, CancellationToken cancellationToken)
    {
        var kernel = EventFd.Kernel;
        var cancelFd = kernel.EventFd(0, EventFdFlags.CloseOnExec | EventFdFlags.NonBlocking);
        VfioException.ThrowIfFailed(cancelFd, "creating the eventfd that cancels an interrupt wait");
        using var cancel = new GenericFileHandle(kernel, cancelFd);
        using var registration = cancellationToken.Register(() => Signal(cancel));
        var referenced = false;
        EventFd.DangerousAddRef(ref referenced);
        try
        {
            Span<PollDescriptor> descriptors = stackalloc PollDescriptor[2];
            descriptors[0] = new PollDescriptor { Fd = EventFd.DangerousGetFd(), Events = PollEvents.In };
            descriptors[1] = new PollDescriptor { Fd = cancelFd, Events = PollEvents.In };
            var ready = kernel.Poll(descriptors, timeoutMilliseconds);
            VfioException.ThrowIfFailed(ready, $"waiting for interrupt vector {Vector} (eventfd {EventFd.DangerousGetFd()})");
            cancellationToken.ThrowIfCancellationRequested();
            if ((descriptors[0].ReturnedEvents & PollEvents.In) == 0)
            {
                return 0;
            }

            Span<byte> count = stackalloc byte[8];
            var read = kernel.Read(EventFd.DangerousGetFd(), count);
            VfioException.ThrowIfFailed(read, $"reading interrupt vector {Vector}'s eventfd");
            return BinaryPrimitives.ReadUInt64LittleEndian(count);
        }
        finally
        {
            if (referenced)
            {
                EventFd.DangerousRelease();
            }
        }
    }

    private static void Signal(GenericFileHandle cancel)
    {
        Span<byte> one = stackalloc byte[8];
        one[0] = 1;
        if (!cancel.IsClosed)
        {
            _ = cancel.Kernel.Write(cancel.DangerousGetFd(), one);
        }
    }
}
