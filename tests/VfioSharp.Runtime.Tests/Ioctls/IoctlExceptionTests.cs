using VfioSharp.Handles;
using VfioSharp.Ioctls;
using VfioSharp.Kernel;
using VfioSharp.Runtime.Tests.Infrastructure;

namespace VfioSharp.Runtime.Tests.Ioctls;

/// <summary>A failed ioctl says which ioctl, on which kind of fd, which fd, and which errno.</summary>
public sealed class IoctlExceptionTests
{
    [Fact]
    public void The_message_names_the_ioctl_the_fd_kind_the_fd_and_the_errno()
    {
        using var handle = new DeviceHandle(new RecordingKernel(), 7);

        var exception = new IoctlException("VFIO_DEVICE_GET_INFO", handle, Errno.EINVAL);

        Assert.Equal("VFIO_DEVICE_GET_INFO on device fd 7 failed: EINVAL (22): Invalid argument", exception.Message);
        Assert.Equal("VFIO_DEVICE_GET_INFO", exception.Ioctl);
        Assert.Equal(FdKind.Device, exception.FdKind);
        Assert.Equal(7, exception.Fd);
        Assert.Equal(Errno.EINVAL, exception.Errno);
    }

    [Theory]
    [InlineData(FdKind.Generic, "SOME_IOCTL on fd 3 failed: EBUSY (16): Device or resource busy")]
    [InlineData(FdKind.Container, "SOME_IOCTL on container fd 3 failed: EBUSY (16): Device or resource busy")]
    [InlineData(FdKind.Group, "SOME_IOCTL on group fd 3 failed: EBUSY (16): Device or resource busy")]
    [InlineData(FdKind.Iommufd, "SOME_IOCTL on iommufd fd 3 failed: EBUSY (16): Device or resource busy")]
    [InlineData(FdKind.Migration, "SOME_IOCTL on migration fd 3 failed: EBUSY (16): Device or resource busy")]
    [InlineData(FdKind.DmaBuf, "SOME_IOCTL on dma-buf fd 3 failed: EBUSY (16): Device or resource busy")]
    public void Every_fd_kind_is_named(FdKind kind, string expected)
    {
        var recording = new RecordingKernel();
        using KernelFileHandle handle = kind switch
        {
            FdKind.Generic => new GenericFileHandle(recording, 3),
            FdKind.Container => new ContainerHandle(recording, 3),
            FdKind.Group => new GroupHandle(recording, 3),
            FdKind.Iommufd => new IommufdHandle(recording, 3),
            FdKind.Migration => new MigrationHandle(recording, 3),
            FdKind.DmaBuf => new DmaBufHandle(recording, 3),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        Assert.Equal(expected, new IoctlException("SOME_IOCTL", handle, Errno.EBUSY).Message);
    }

    [Fact]
    public void Throw_turns_a_real_failed_call_into_the_exception()
    {
        var fd = LinuxKernel.Instance.Open("/dev/null", OpenFlags.ReadWrite | OpenFlags.CloseOnExec);
        using var handle = new GenericFileHandle(LinuxKernel.Instance, fd);
        var result = IoctlCall.Invoke(handle, 0x3B64, 0);

        var exception = Assert.Throws<IoctlException>(() => IoctlException.Throw("VFIO_GET_API_VERSION", handle, result));

        Assert.Equal($"VFIO_GET_API_VERSION on fd {fd} failed: ENOTTY (25): Inappropriate ioctl for device", exception.Message);
        Assert.Equal(Errno.ENOTTY, exception.Errno);
    }

    [Fact]
    public void Throw_refuses_a_success()
    {
        using var handle = new GroupHandle(new RecordingKernel(), 5);

        Assert.Throws<ArgumentOutOfRangeException>(() => IoctlException.Throw("VFIO_GROUP_GET_STATUS", handle, 0));
    }
}
