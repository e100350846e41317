using System.Buffers.Binary;
using VfioSharp.Devices;
using VfioSharp.Handles;
using VfioSharp.Kernel;

namespace VfioSharp.Interrupts;

/// <summary>One interrupt vector delivered to an eventfd: wait for it, asynchronously and cancellably, or with a timeout.</summary>
/// <remarks>
/// <para>
/// A wait polls two descriptors: the vector's eventfd and a private eventfd of that wait, which cancellation and
/// <see cref="InterruptSet.Dispose"/> write to. When the vector fires the wait reads (and so resets) the eventfd's
/// counter and returns it: how many times the vector fired since the last wait. A cancelled wait leaves the
/// counter alone, so an interrupt that raced the cancellation is returned by the next wait, not lost.
/// </para>
/// <para>
/// <see cref="WaitAsync"/> runs the blocking poll(2) on a thread of its own
/// (<see cref="TaskCreationOptions.LongRunning"/>), not on a pool thread: a wait may block for as long as the
/// device stays quiet, and blocked pool threads starve the rest of the process (the pool adds threads slowly, and
/// a driver waits on several vectors at once). A thread per wait costs its creation (tens of microseconds) per
/// interrupt: right for the interrupt rates of a driver that waits, wrong for one that handles millions per
/// second, which should poll its completion rings rather than take interrupts at all. IKernel has no epoll, so
/// one shared waiter thread for every vector would need its own wake-up protocol for adding and removing
/// descriptors; a wait that owns its thread and its cancel eventfd needs none and leaks nothing when cancelled.
/// </para>
/// </remarks>
public sealed class InterruptVector
{
    private readonly InterruptSet _set;
    private readonly List<GenericFileHandle> _waits = [];
    private bool _closed;

    internal InterruptVector(InterruptSet set, GenericFileHandle eventFd, int vector)
    {
        _set = set;
        EventFd = eventFd;
        Vector = vector;
    }

    /// <summary>The vector number within its index.</summary>
    public int Vector { get; }

    /// <summary>The interrupt index the vector belongs to (VFIO_PCI_*_IRQ_INDEX).</summary>
    public uint Index => _set.Index;

    internal GenericFileHandle EventFd { get; }

    /// <summary>Waits until the interrupt fires, on a thread of its own; returns how many times it fired since the last wait.</summary>
    /// <param name="cancellationToken">Cancels the wait: it ends at once with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The number of interrupts counted (at least 1).</returns>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The interrupts were disabled.</exception>
    /// <exception cref="Lifecycle.InvalidStateException">The device was released.</exception>
    /// <exception cref="VfioException">The kernel refused a step (poll, read, eventfd).</exception>
    public Task<ulong> WaitAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<ulong>(cancellationToken);
        }

        return Task.Factory.StartNew(
            static state =>
            {
                var (vector, token) = ((InterruptVector, CancellationToken))state!;
                return vector.WaitCore(Timeout.Infinite, token);
            },
            (this, cancellationToken),
            cancellationToken,
            TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach,
            TaskScheduler.Default);
    }

    /// <summary>Waits on the calling thread at most <paramref name="timeout"/>; 0 when the interrupt did not fire in time.</summary>
    /// <param name="timeout">How long to wait (<see cref="Timeout.InfiniteTimeSpan"/>: without limit).</param>
    /// <returns>The number of interrupts counted, or 0 on timeout.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative (other than infinite) or too long.</exception>
    /// <exception cref="ObjectDisposedException">The interrupts were disabled.</exception>
    /// <exception cref="Lifecycle.InvalidStateException">The device was released.</exception>
    public ulong Wait(TimeSpan timeout) => Wait(timeout, CancellationToken.None);

    /// <summary>Waits on the calling thread at most <paramref name="timeout"/>, cancellably; 0 when the interrupt did not fire in time.</summary>
    /// <param name="timeout">How long to wait (<see cref="Timeout.InfiniteTimeSpan"/>: without limit).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The number of interrupts counted, or 0 on timeout.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative (other than infinite) or too long.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The interrupts were disabled.</exception>
    /// <exception cref="Lifecycle.InvalidStateException">The device was released.</exception>
    public ulong Wait(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var milliseconds = (long)timeout.TotalMilliseconds;
        if (timeout != Timeout.InfiniteTimeSpan && (milliseconds < 0 || milliseconds > int.MaxValue))
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "a wait lasts 0 to int.MaxValue milliseconds, or Timeout.InfiniteTimeSpan");
        }

        cancellationToken.ThrowIfCancellationRequested();
        return WaitCore(timeout == Timeout.InfiniteTimeSpan ? Timeout.Infinite : (int)milliseconds, cancellationToken);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{_set.Name} vector {Vector} of {_set.Device}";

    /// <summary>The set was disabled: wakes every wait under way, and closes the eventfd once the last one let go of it.</summary>
    internal void Close()
    {
        GenericFileHandle[] waits;
        lock (_waits)
        {
            _closed = true;
            waits = [.. _waits];
        }

        foreach (var wake in waits)
        {
            Signal(wake);
        }

        // The waits hold a reference on the handle: the fd is closed after the last of them returned.
        EventFd.Dispose();
    }

    private static void Signal(GenericFileHandle wake)
    {
        Span<byte> one = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(one, 1);
        var referenced = false;
        try
        {
            wake.DangerousAddRef(ref referenced);
            _ = wake.Kernel.Write(wake.DangerousGetFd(), one);
        }
        catch (ObjectDisposedException)
        {
            // The wait ended and closed its eventfd already: nothing to wake.
        }
        finally
        {
            if (referenced)
            {
                wake.DangerousRelease();
            }
        }
    }

    private ulong WaitCore(int timeoutMilliseconds, CancellationToken cancellationToken)
    {
        var kernel = EventFd.Kernel;
        ThrowIfUnusable();
        var fd = kernel.EventFd(0, EventFdFlags.CloseOnExec | EventFdFlags.NonBlocking);
        VfioException.ThrowIfFailed(fd, $"creating the eventfd that ends a wait for {this}");
        var wake = new GenericFileHandle(kernel, fd);
        try
        {
            lock (_waits)
            {
                if (_closed)
                {
                    ThrowIfUnusable();
                }

                _waits.Add(wake);
            }

            try
            {
                // Disposed before `wake` is: a cancellation that runs after this point can't write a closed fd.
                using var registration = cancellationToken.UnsafeRegister(static state => Signal((GenericFileHandle)state!), wake);
                return Poll(wake, timeoutMilliseconds, cancellationToken);
            }
            finally
            {
                lock (_waits)
                {
                    _waits.Remove(wake);
                }
            }
        }
        finally
        {
            wake.Dispose();
        }
    }

    private ulong Poll(GenericFileHandle wake, int timeoutMilliseconds, CancellationToken cancellationToken)
    {
        var kernel = EventFd.Kernel;
        var referenced = false;
        try
        {
            EventFd.DangerousAddRef(ref referenced);
        }
        catch (ObjectDisposedException)
        {
            ThrowIfUnusable();
            throw;
        }

        try
        {
            var deadline = timeoutMilliseconds < 0 ? long.MaxValue : Environment.TickCount64 + timeoutMilliseconds;
            Span<PollDescriptor> descriptors = stackalloc PollDescriptor[2];
            Span<byte> counter = stackalloc byte[8];
            while (true)
            {
                descriptors[0] = new PollDescriptor { Fd = EventFd.DangerousGetFd(), Events = PollEvents.In };
                descriptors[1] = new PollDescriptor { Fd = wake.DangerousGetFd(), Events = PollEvents.In };
                var remaining = timeoutMilliseconds < 0 ? Timeout.Infinite : (int)Math.Max(0, deadline - Environment.TickCount64);
                var ready = kernel.Poll(descriptors, remaining);
                VfioException.ThrowIfFailed(ready, $"waiting for {this} (poll on eventfd {EventFd.DangerousGetFd()})");

                // Cancellation and disabling win over a pending interrupt: its count stays in the eventfd.
                if ((descriptors[1].ReturnedEvents & PollEvents.In) != 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    ThrowIfUnusable();
                }

                if ((descriptors[0].ReturnedEvents & PollEvents.In) != 0)
                {
                    var read = kernel.Read(EventFd.DangerousGetFd(), counter);
                    if (read == 8)
                    {
                        return BinaryPrimitives.ReadUInt64LittleEndian(counter);
                    }

                    // EAGAIN: another wait on the same vector took the count first; wait for the next one.
                    if (read != -11)
                    {
                        throw read < 0
                            ? VfioException.From(read, $"reading the eventfd of {this}")
                            : new VfioException($"reading the eventfd of {this}: {read} bytes instead of 8");
                    }
                }

                if (ready == 0 && timeoutMilliseconds >= 0 && Environment.TickCount64 >= deadline)
                {
                    return 0;
                }
            }
        }
        finally
        {
            EventFd.DangerousRelease();
        }
    }

    /// <summary>A released device says so (InvalidStateException); a disabled set is disposed.</summary>
    private void ThrowIfUnusable()
    {
        var device = _set.Device;
        if (device.Lifecycle.State == DeviceState.Released)
        {
            device.Lifecycle.Require(nameof(VfioDevice.Interrupts));
        }

        ObjectDisposedException.ThrowIf(_set.IsDisabled || _closed, this);
    }
}
