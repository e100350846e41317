using VfioSharp.Handles;
using VfioSharp.Ioctls;
using VfioSharp.Kernel;
using VfioSharp.Runtime.Tests.Infrastructure;

namespace VfioSharp.Runtime.Tests.Ioctls;

/// <summary>The ioctl path generated calls take, on real descriptors.</summary>
public sealed class IoctlCallTests
{
    /// <summary><c>FIONBIO</c> (asm-generic/ioctls.h): sets or clears O_NONBLOCK from the int its argument points to.</summary>
    private const ulong FIONBIO = 0x5421;

    /// <summary><c>VFIO_GET_API_VERSION</c>, <c>_IO(';', 100)</c>: a request /dev/null does not implement.</summary>
    private const ulong VFIO_GET_API_VERSION = 0x3B64;

    private static readonly LinuxKernel Linux = LinuxKernel.Instance;

    [Fact]
    public unsafe void FIONBIO_on_dev_null_switches_non_blocking_mode()
    {
        using var handle = OpenDevNull();
        var fd = handle.DangerousGetFd();
        Assert.Equal(0, Libc.Fcntl(fd, Libc.F_GETFL) & Libc.O_NONBLOCK);

        var on = 1;
        Assert.Equal(0, IoctlCall.Invoke(handle, FIONBIO, (nint)(&on)));
        Assert.Equal(Libc.O_NONBLOCK, Libc.Fcntl(fd, Libc.F_GETFL) & Libc.O_NONBLOCK);

        var off = 0;
        Assert.Equal(0, IoctlCall.Invoke(handle, FIONBIO, (nint)(&off)));
        Assert.Equal(0, Libc.Fcntl(fd, Libc.F_GETFL) & Libc.O_NONBLOCK);
    }

    [Fact]
    public void An_ioctl_dev_null_does_not_implement_gives_minus_ENOTTY()
    {
        using var handle = OpenDevNull();

        Assert.Equal(-Errno.ENOTTY.Value, IoctlCall.Invoke(handle, VFIO_GET_API_VERSION, 0));
    }

    [Fact]
    public unsafe void A_bad_argument_pointer_gives_minus_EFAULT()
    {
        using var handle = OpenDevNull();

        // The kernel checks the pointer, not the process: an address in the never-mapped first page.
        Assert.Equal(-Errno.EFAULT.Value, IoctlCall.Invoke(handle, FIONBIO, 8));
    }

    [Fact]
    public void An_ioctl_on_a_closed_handle_gives_minus_EBADF_without_reaching_the_kernel()
    {
        var recording = new RecordingKernel();
        var handle = new DeviceHandle(recording, 7);
        handle.Dispose();

        Assert.Equal(-Errno.EBADF.Value, IoctlCall.Invoke(handle, VFIO_GET_API_VERSION, 0));
        Assert.Empty(recording.Ioctls);
    }

    [Fact]
    public void An_ioctl_on_an_invalid_handle_gives_minus_EBADF_without_reaching_the_kernel()
    {
        var recording = new RecordingKernel();
        using var handle = new ContainerHandle(recording, -1);

        Assert.Equal(-Errno.EBADF.Value, IoctlCall.Invoke(handle, VFIO_GET_API_VERSION, 0));
        Assert.Empty(recording.Ioctls);
    }

    [Fact]
    public void An_ioctl_goes_to_the_kernel_that_opened_the_handle_with_its_arguments_unchanged()
    {
        var recording = new RecordingKernel { IoctlResult = 123 };
        using var handle = new GroupHandle(recording, 9);

        Assert.Equal(123, IoctlCall.Invoke(handle, 0xC0183B6A, 0x1000));
        Assert.Equal([(9, 0xC0183B6Aul, (nint)0x1000)], recording.Ioctls);
    }

    [Fact]
    public void A_null_handle_is_a_programming_error()
    {
        Assert.Throws<ArgumentNullException>(() => IoctlCall.Invoke(null!, FIONBIO, 0));
    }

    [Fact]
    public unsafe void A_successful_ioctl_allocates_nothing()
    {
        using var handle = OpenDevNull();
        var off = 0;
        var argument = (nint)(&off);
        for (var i = 0; i < 100; i++)
        {
            _ = IoctlCall.Invoke(handle, FIONBIO, argument);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            _ = IoctlCall.Invoke(handle, FIONBIO, argument);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static GenericFileHandle OpenDevNull()
    {
        var fd = Linux.Open("/dev/null", OpenFlags.ReadWrite | OpenFlags.CloseOnExec);
        Assert.True(fd >= 0, $"open gave {fd}");
        return new GenericFileHandle(Linux, fd);
    }
}
