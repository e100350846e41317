using System.Globalization;
using VfioSharp.Handles;
using VfioSharp.Kernel;
using VfioSharp.Runtime.Tests.Infrastructure;

namespace VfioSharp.Runtime.Tests.FileHandles;

/// <summary>fd handles close through the kernel that opened them, exactly once, and never while in use.</summary>
public sealed class KernelFileHandleTests
{
    private static readonly LinuxKernel Linux = LinuxKernel.Instance;

    [Fact]
    public void Disposing_a_handle_closes_its_descriptor_exactly_once()
    {
        using var file = new ScratchFile();
        var kernel = new CountingKernel();
        var fd = kernel.Open(file.Path, OpenFlags.ReadOnly | OpenFlags.CloseOnExec);
        Assert.True(fd >= 0, $"open gave {fd}");
        Assert.Equal(file.Path, FdTarget(fd));

        var handle = new GenericFileHandle(kernel, fd);
        handle.Dispose();
        handle.Dispose();

        Assert.Equal(1, kernel.Closes);
        Assert.True(handle.IsClosed);
        // The number may have been reused by now, but not for our uniquely named file.
        Assert.NotEqual(file.Path, FdTarget(fd));
    }

    [Fact]
    public void A_handle_of_another_kernel_closes_through_that_kernel_and_never_through_libc()
    {
        using var file = new ScratchFile();
        var fd = Linux.Open(file.Path, OpenFlags.ReadOnly | OpenFlags.CloseOnExec);
        Assert.True(fd >= 0, $"open gave {fd}");
        try
        {
            var recording = new RecordingKernel();
            var handle = new DeviceHandle(recording, fd);
            handle.Dispose();

            Assert.Equal([fd], recording.Closed);
            Assert.True(Libc.Fcntl(fd, Libc.F_GETFD) >= 0, "libc's close was not called: the real fd is still open");
            Assert.Equal(file.Path, FdTarget(fd));
        }
        finally
        {
            Assert.Equal(0, Linux.Close(fd));
        }
    }

    [Fact]
    public void A_handle_that_does_not_own_its_descriptor_leaves_it_open()
    {
        var recording = new RecordingKernel();

        new ContainerHandle(recording, 12, ownsHandle: false).Dispose();

        Assert.Empty(recording.Closed);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(-2)]
    public void An_invalid_descriptor_is_never_closed(int fd)
    {
        var recording = new RecordingKernel();

        var handle = new GroupHandle(recording, fd);
        Assert.True(handle.IsInvalid);
        handle.Dispose();

        Assert.Empty(recording.Closed);
    }

    [Fact]
    public void A_descriptor_in_use_is_closed_when_the_last_user_lets_go()
    {
        var recording = new RecordingKernel();
        var handle = new IommufdHandle(recording, 40);

        var referenced = false;
        handle.DangerousAddRef(ref referenced);
        handle.Dispose();
        Assert.Empty(recording.Closed);

        handle.DangerousRelease();
        Assert.Equal([40], recording.Closed);
    }

    [Fact]
    public void A_handle_needs_a_kernel()
    {
        Assert.Throws<ArgumentNullException>(() => new GenericFileHandle(null!, 3));
    }

    [Fact]
    public void A_handle_knows_its_kernel_and_its_raw_descriptor()
    {
        var recording = new RecordingKernel();
        using var handle = new MigrationHandle(recording, 33);

        Assert.Same(recording, handle.Kernel);
        Assert.Equal(33, handle.DangerousGetFd());
        Assert.False(handle.IsInvalid);
    }

    [Fact]
    public void Every_handle_type_names_its_kind()
    {
        var recording = new RecordingKernel();
        KernelFileHandle[] handles =
        [
            new GenericFileHandle(recording, 1, ownsHandle: false),
            new ContainerHandle(recording, 1, ownsHandle: false),
            new GroupHandle(recording, 1, ownsHandle: false),
            new DeviceHandle(recording, 1, ownsHandle: false),
            new IommufdHandle(recording, 1, ownsHandle: false),
            new MigrationHandle(recording, 1, ownsHandle: false),
            new DmaBufHandle(recording, 1, ownsHandle: false),
        ];

        Assert.Equal(Enum.GetValues<FdKind>(), handles.Select(handle => handle.Kind));
    }

    /// <summary>What /proc/self/fd/N points at, or null when N is not open.</summary>
    private static string? FdTarget(int fd)
        => Linux.ReadLink("/proc/self/fd/" + fd.ToString(CultureInfo.InvariantCulture), out var target) == 0 ? target : null;
}
