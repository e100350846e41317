using System.Buffers.Binary;
using VfioSharp.Kernel;
using VfioSharp.Simulation.Core;

namespace VfioSharp.Simulation.Tests.KernelCore;

/// <summary>eventfd(2) semantics: counter, reads that take all of it (or one), EAGAIN, short buffers, poll readiness.</summary>
public sealed class EventFdTests
{
    [Fact]
    public void A_read_takes_the_whole_counter_and_resets_it()
    {
        var kernel = new SimulatedKernel();
        var fd = kernel.EventFd(2, EventFdFlags.NonBlocking);
        Assert.Equal(8, Write(kernel, fd, 5));
        Assert.Equal(7UL, Read(kernel, fd, out var result));
        Assert.Equal(8, result);
        Read(kernel, fd, out result);
        Assert.Equal(-KernelErrno.EAGAIN, result);
    }

    [Fact]
    public void A_semaphore_read_takes_one()
    {
        var kernel = new SimulatedKernel();
        var fd = kernel.EventFd(2, EventFdFlags.Semaphore | EventFdFlags.NonBlocking);
        Assert.Equal(1UL, Read(kernel, fd, out _));
        Assert.Equal(1UL, Read(kernel, fd, out _));
        Read(kernel, fd, out var result);
        Assert.Equal(-KernelErrno.EAGAIN, result);
    }

    [Fact]
    public void Short_buffers_and_the_all_ones_value_are_EINVAL()
    {
        var kernel = new SimulatedKernel();
        var fd = kernel.EventFd(1, EventFdFlags.NonBlocking);
        Span<byte> shortBuffer = stackalloc byte[7];
        Assert.Equal(-KernelErrno.EINVAL, kernel.Read(fd, shortBuffer));
        Assert.Equal(-KernelErrno.EINVAL, kernel.Write(fd, shortBuffer));
        Assert.Equal(-KernelErrno.EINVAL, Write(kernel, fd, ulong.MaxValue));

        // Nothing was taken by the failed calls.
        Assert.Equal(1UL, Read(kernel, fd, out _));
    }

    [Fact]
    public void A_write_that_would_reach_the_maximum_is_EAGAIN_when_non_blocking()
    {
        var kernel = new SimulatedKernel();
        var fd = kernel.EventFd(0, EventFdFlags.NonBlocking);
        Assert.Equal(8, Write(kernel, fd, ulong.MaxValue - 1));
        Assert.Equal(-KernelErrno.EAGAIN, Write(kernel, fd, 1));
        Assert.Equal(ulong.MaxValue - 1, Read(kernel, fd, out _));
        Assert.Equal(8, Write(kernel, fd, 1));
    }

    [Fact]
    public void Poll_reports_in_while_the_counter_is_not_zero_and_out_while_it_can_grow()
    {
        var kernel = new SimulatedKernel();
        var fd = kernel.EventFd(0, EventFdFlags.NonBlocking);
        Span<PollDescriptor> descriptors = [new PollDescriptor { Fd = fd, Events = PollEvents.In | PollEvents.Out }];
        Assert.Equal(1, kernel.Poll(descriptors, 0));
        Assert.Equal(PollEvents.Out, descriptors[0].ReturnedEvents);

        Write(kernel, fd, 1);
        Assert.Equal(1, kernel.Poll(descriptors, 0));
        Assert.Equal(PollEvents.In | PollEvents.Out, descriptors[0].ReturnedEvents);
    }

    [Fact]
    public void Poll_of_a_closed_descriptor_reports_POLLNVAL_and_negative_fds_are_ignored()
    {
        var kernel = new SimulatedKernel();
        Span<PollDescriptor> descriptors = [new PollDescriptor { Fd = 40, Events = PollEvents.In }, new PollDescriptor { Fd = -1, Events = PollEvents.In }];
        Assert.Equal(1, kernel.Poll(descriptors, 0));
        Assert.Equal(PollEvents.Invalid, descriptors[0].ReturnedEvents);
        Assert.Equal(0, descriptors[1].ReturnedEvents);
    }

    [Fact]
    public void Poll_times_out_with_nothing_ready()
    {
        var kernel = new SimulatedKernel();
        var fd = kernel.EventFd(0, EventFdFlags.None);
        Span<PollDescriptor> descriptors = [new PollDescriptor { Fd = fd, Events = PollEvents.In }];
        Assert.Equal(0, kernel.Poll(descriptors, 20));
        Assert.Equal(0, descriptors[0].ReturnedEvents);
    }

    [Fact]
    public async Task A_blocked_poll_wakes_when_another_thread_writes()
    {
        var kernel = new SimulatedKernel();
        var fd = kernel.EventFd(0, EventFdFlags.None);
        using var started = new ManualResetEventSlim();
        var poll = Task.Run(() =>
        {
            Span<PollDescriptor> descriptors = [new PollDescriptor { Fd = fd, Events = PollEvents.In }];
            started.Set();
            var ready = kernel.Poll(descriptors, -1);
            return (ready, descriptors[0].ReturnedEvents);
        });

        started.Wait();
        Assert.Equal(8, Write(kernel, fd, 3));
        var (ready, events) = await poll;
        Assert.Equal(1, ready);
        Assert.Equal(PollEvents.In, events);
    }

    [Fact]
    public async Task A_blocking_read_waits_for_a_write()
    {
        var kernel = new SimulatedKernel();
        var fd = kernel.EventFd(0, EventFdFlags.None);
        var read = Task.Run(() => Read(kernel, fd, out _));
        Assert.Equal(8, Write(kernel, fd, 9));
        Assert.Equal(9UL, await read);
    }

    private static long Write(SimulatedKernel kernel, int fd, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return kernel.Write(fd, bytes);
    }

    private static ulong Read(SimulatedKernel kernel, int fd, out long result)
    {
        Span<byte> bytes = stackalloc byte[8];
        result = kernel.Read(fd, bytes);
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }
}
