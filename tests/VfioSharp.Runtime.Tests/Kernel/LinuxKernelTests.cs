using System.Buffers.Binary;
using System.Globalization;
using VfioSharp.Kernel;
using VfioSharp.Runtime.Tests.Infrastructure;

namespace VfioSharp.Runtime.Tests.Kernel;

/// <summary>Every <see cref="IKernel"/> method of <see cref="LinuxKernel"/>, against the real kernel.</summary>
public sealed class LinuxKernelTests
{
    private static readonly LinuxKernel Linux = LinuxKernel.Instance;

    [Fact]
    public void Opening_dev_null_gives_a_descriptor_that_closes_cleanly()
    {
        var fd = Linux.Open("/dev/null", OpenFlags.ReadWrite | OpenFlags.CloseOnExec);

        Assert.True(fd >= 0, $"open gave {fd}");
        Assert.True(Libc.Fcntl(fd, Libc.F_GETFD) >= 0, "the descriptor is open");
        Assert.Equal(0, Linux.Close(fd));
    }

    [Fact]
    public void Opening_a_missing_path_gives_minus_ENOENT()
    {
        var fd = Linux.Open("/dev/vfiosharp-no-such-node", OpenFlags.ReadWrite);

        Assert.Equal(-Errno.ENOENT.Value, fd);
    }

    [Fact]
    public void Opening_a_directory_for_writing_gives_minus_EISDIR()
    {
        Assert.Equal(-21, Linux.Open("/proc", OpenFlags.ReadWrite));
    }

    [Fact]
    public void Closing_a_descriptor_that_is_not_open_gives_minus_EBADF()
    {
        Assert.Equal(-Errno.EBADF.Value, Linux.Close(-1));
    }

    [Fact]
    public unsafe void Each_ioctl_reports_its_own_errno_and_a_success_after_a_failure_gives_zero()
    {
        // LinuxKernel.Ioctl reads errno only when the call failed (no clearing before): a stale errno from an
        // earlier failure must neither leak into a success nor replace a later failure's own.
        const ulong FIONBIO = 0x5421;
        var fd = Linux.Open("/dev/null", OpenFlags.ReadWrite | OpenFlags.CloseOnExec);
        Assert.True(fd >= 0, $"open gave {fd}");
        try
        {
            var on = 0;
            Assert.Equal(-Errno.ENOTTY.Value, Linux.Ioctl(fd, 0x3B64, 0));
            Assert.Equal(0, Linux.Ioctl(fd, FIONBIO, (nint)(&on)));
            Assert.Equal(-Errno.EFAULT.Value, Linux.Ioctl(fd, FIONBIO, 8));
            Assert.Equal(-Errno.EBADF.Value, Linux.Ioctl(-1, FIONBIO, (nint)(&on)));
            Assert.Equal(0, Linux.Ioctl(fd, FIONBIO, (nint)(&on)));
        }
        finally
        {
            Assert.Equal(0, Linux.Close(fd));
        }
    }

    [Fact]
    public void Anonymous_memory_maps_reads_back_what_was_written_and_unmaps()
    {
        const int length = 4 * 4096;
        var address = Linux.Mmap(0, length, MemoryProtection.Read | MemoryProtection.Write, MapFlags.Private | MapFlags.Anonymous, -1, 0);

        Assert.False(address is >= -4095 and < 0, $"mmap gave {address}");
        Assert.True(IsMapped(address, length), "/proc/self/maps shows the mapping");
        unsafe
        {
            var memory = new Span<byte>((void*)address, length);
            Assert.True(memory.IndexOfAnyExcept((byte)0) < 0, "anonymous memory starts zeroed");
            memory.Fill(0xA5);
            Assert.Equal(length, memory.Count((byte)0xA5));
        }

        Assert.Equal(0, Linux.Munmap(address, length));
        Assert.False(IsMapped(address, length), "/proc/self/maps no longer shows the mapping");
    }

    [Fact]
    public void Mapping_zero_bytes_gives_minus_EINVAL()
    {
        var address = Linux.Mmap(0, 0, MemoryProtection.Read, MapFlags.Private | MapFlags.Anonymous, -1, 0);

        Assert.Equal(-Errno.EINVAL.Value, address);
    }

    [Fact]
    public void Unmapping_an_unaligned_address_gives_minus_EINVAL()
    {
        Assert.Equal(-Errno.EINVAL.Value, Linux.Munmap(1, 4096));
    }

    [Fact]
    public void An_eventfd_counts_writes_signals_poll_and_resets_on_read()
    {
        var fd = Linux.EventFd(0, EventFdFlags.NonBlocking | EventFdFlags.CloseOnExec);
        Assert.True(fd >= 0, $"eventfd gave {fd}");
        try
        {
            Span<byte> counter = stackalloc byte[8];
            Assert.Equal(-Errno.EAGAIN.Value, Linux.Read(fd, counter));

            Span<PollDescriptor> poll = [new PollDescriptor { Fd = fd, Events = PollEvents.In }];
            Assert.Equal(0, Linux.Poll(poll, 0));
            Assert.Equal(0, poll[0].ReturnedEvents);

            BinaryPrimitives.WriteUInt64LittleEndian(counter, 2);
            Assert.Equal(8, Linux.Write(fd, counter));
            BinaryPrimitives.WriteUInt64LittleEndian(counter, 3);
            Assert.Equal(8, Linux.Write(fd, counter));

            Assert.Equal(1, Linux.Poll(poll, 1000));
            Assert.Equal(PollEvents.In, poll[0].ReturnedEvents & PollEvents.In);

            counter.Clear();
            Assert.Equal(8, Linux.Read(fd, counter));
            Assert.Equal(5ul, BinaryPrimitives.ReadUInt64LittleEndian(counter));
            Assert.Equal(-Errno.EAGAIN.Value, Linux.Read(fd, counter));
        }
        finally
        {
            Assert.Equal(0, Linux.Close(fd));
        }
    }

    [Fact]
    public void A_semaphore_eventfd_hands_out_one_at_a_time()
    {
        var fd = Linux.EventFd(2, EventFdFlags.Semaphore | EventFdFlags.NonBlocking | EventFdFlags.CloseOnExec);
        Assert.True(fd >= 0, $"eventfd gave {fd}");
        try
        {
            Span<byte> counter = stackalloc byte[8];
            Assert.Equal(8, Linux.Read(fd, counter));
            Assert.Equal(1ul, BinaryPrimitives.ReadUInt64LittleEndian(counter));
            Assert.Equal(8, Linux.Read(fd, counter));
            Assert.Equal(-Errno.EAGAIN.Value, Linux.Read(fd, counter));
        }
        finally
        {
            _ = Linux.Close(fd);
        }
    }

    [Fact]
    public void Polling_a_descriptor_that_is_not_open_reports_POLLNVAL()
    {
        Span<PollDescriptor> poll = [new PollDescriptor { Fd = int.MaxValue, Events = PollEvents.In }];

        Assert.Equal(1, Linux.Poll(poll, 0));
        Assert.Equal(PollEvents.Invalid, poll[0].ReturnedEvents);
    }

    [Fact]
    public void Positional_writes_and_reads_address_the_given_offset()
    {
        using var file = new ScratchFile("0123456789"u8.ToArray());
        var fd = Linux.Open(file.Path, OpenFlags.ReadWrite | OpenFlags.CloseOnExec);
        Assert.True(fd >= 0, $"open gave {fd}");
        try
        {
            Assert.Equal(3, Linux.PWrite(fd, "abc"u8, 4));

            Span<byte> bytes = stackalloc byte[5];
            Assert.Equal(5, Linux.PRead(fd, bytes, 2));
            Assert.Equal("23abc", System.Text.Encoding.ASCII.GetString(bytes));

            // The positional calls leave the file position alone: a plain read starts at 0.
            Assert.Equal(5, Linux.Read(fd, bytes));
            Assert.Equal("0123a", System.Text.Encoding.ASCII.GetString(bytes));
            Assert.Equal(0, Linux.PRead(fd, bytes, 100));
        }
        finally
        {
            _ = Linux.Close(fd);
        }

        Assert.Equal("0123abc789", File.ReadAllText(file.Path));
    }

    [Fact]
    public void Writing_to_a_read_only_descriptor_gives_minus_EBADF()
    {
        var fd = Linux.Open("/dev/null", OpenFlags.ReadOnly | OpenFlags.CloseOnExec);
        try
        {
            Assert.Equal(-Errno.EBADF.Value, Linux.Write(fd, "x"u8));
        }
        finally
        {
            _ = Linux.Close(fd);
        }
    }

    [Fact]
    public void Reading_proc_self_status_gives_this_process()
    {
        Assert.Equal(0, Linux.ReadText("/proc/self/status", out var status));

        var pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        Assert.Contains(status.Split('\n'), line => line == "Pid:\t" + pid);
    }

    [Fact]
    public void Reading_a_text_file_larger_than_a_page_returns_all_of_it()
    {
        var contents = string.Concat(Enumerable.Range(0, 2000).Select(i => i.ToString(CultureInfo.InvariantCulture) + "\n"));
        using var file = new ScratchFile(System.Text.Encoding.UTF8.GetBytes(contents));

        Assert.Equal(0, Linux.ReadText(file.Path, out var text));
        Assert.Equal(contents, text);
    }

    [Fact]
    public void Reading_a_missing_file_gives_minus_ENOENT_and_empty_text()
    {
        Assert.Equal(-Errno.ENOENT.Value, Linux.ReadText("/sys/bus/pci/devices/vfiosharp-none/iommu_group", out var text));
        Assert.Equal(string.Empty, text);
    }

    [Fact]
    public void Reading_the_link_proc_self_exe_gives_the_running_executable()
    {
        Assert.Equal(0, Linux.ReadLink("/proc/self/exe", out var target));

        Assert.Equal(Environment.ProcessPath, target);
    }

    [Fact]
    public void Reading_a_link_longer_than_the_first_buffer_returns_all_of_it()
    {
        var linkTarget = "/" + new string('t', 1000);
        var link = Path.Combine(Path.GetTempPath(), "vfiosharp-link-" + Guid.NewGuid().ToString("N"));
        File.CreateSymbolicLink(link, linkTarget);
        try
        {
            Assert.Equal(0, Linux.ReadLink(link, out var target));
            Assert.Equal(linkTarget, target);
        }
        finally
        {
            File.Delete(link);
        }
    }

    [Fact]
    public void Reading_a_link_of_something_that_is_no_link_gives_minus_EINVAL()
    {
        Assert.Equal(-Errno.EINVAL.Value, Linux.ReadLink("/proc/self/status", out var target));
        Assert.Equal(string.Empty, target);
    }

    [Fact]
    public void Listing_proc_self_fd_shows_an_open_descriptor_in_ordinal_order()
    {
        var fd = Linux.Open("/dev/null", OpenFlags.ReadOnly | OpenFlags.CloseOnExec);
        try
        {
            Assert.Equal(0, Linux.ListDirectory("/proc/self/fd", out var entries));

            Assert.Contains(fd.ToString(CultureInfo.InvariantCulture), entries);
            Assert.DoesNotContain(".", entries);
            Assert.DoesNotContain("..", entries);
            Assert.Equal(entries.Order(StringComparer.Ordinal), entries);
        }
        finally
        {
            _ = Linux.Close(fd);
        }
    }

    [Fact]
    public void Listing_a_missing_directory_gives_minus_ENOENT_and_no_entries()
    {
        Assert.Equal(-Errno.ENOENT.Value, Linux.ListDirectory("/sys/kernel/iommu_groups/vfiosharp-none", out var entries));
        Assert.Empty(entries);
    }

    [Fact]
    public void Listing_a_file_gives_minus_ENOTDIR()
    {
        Assert.Equal(-Errno.ENOTDIR.Value, Linux.ListDirectory("/proc/self/status", out _));
    }

    /// <summary>Whether one line of /proc/self/maps covers [address, address + length): the kernel may merge the mapping with a neighbour.</summary>
    private static bool IsMapped(nint address, ulong length)
    {
        Assert.Equal(0, Linux.ReadText("/proc/self/maps", out var maps));
        var start = (ulong)address;
        return maps.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line[..line.IndexOf(' ', StringComparison.Ordinal)].Split('-'))
            .Select(range => (From: ulong.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture), To: ulong.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture)))
            .Any(range => range.From <= start && start + length <= range.To);
    }
}
