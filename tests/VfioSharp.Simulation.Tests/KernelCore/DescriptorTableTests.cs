using VfioSharp.Kernel;
using VfioSharp.Simulation.Core;

namespace VfioSharp.Simulation.Tests.KernelCore;

/// <summary>The fd table: numbers as Linux hands them out, and the errnos of calls on fds that are not open or can't do the call.</summary>
public sealed class DescriptorTableTests
{
    [Fact]
    public void Descriptors_are_the_lowest_free_numbers_from_3()
    {
        var kernel = new SimulatedKernel();
        var first = kernel.EventFd(0, EventFdFlags.None);
        var second = kernel.Open("/dev/vfio/vfio", OpenFlags.ReadWrite);
        var third = kernel.EventFd(0, EventFdFlags.None);
        Assert.Equal([3, 4, 5], new[] { first, second, third });

        Assert.Equal(0, kernel.Close(second));
        Assert.Equal(4, kernel.EventFd(0, EventFdFlags.None));
        Assert.Equal(6, kernel.EventFd(0, EventFdFlags.None));
        Assert.Equal(4, kernel.OpenDescriptors.Count);
    }

    [Fact]
    public void Calls_on_a_descriptor_that_is_not_open_are_EBADF()
    {
        var kernel = new SimulatedKernel();
        var fd = kernel.EventFd(0, EventFdFlags.None);
        Assert.Equal(0, kernel.Close(fd));

        Span<byte> buffer = stackalloc byte[8];
        Assert.Equal(-KernelErrno.EBADF, kernel.Close(fd));
        Assert.Equal(-KernelErrno.EBADF, kernel.Close(-1));
        Assert.Equal(-KernelErrno.EBADF, kernel.Ioctl(fd, 0x3b64, 0));
        Assert.Equal(-KernelErrno.EBADF, kernel.Read(fd, buffer));
        Assert.Equal(-KernelErrno.EBADF, kernel.Write(fd, buffer));
        Assert.Equal(-KernelErrno.EBADF, kernel.PRead(fd, buffer, 0));
        Assert.Equal(-KernelErrno.EBADF, kernel.PWrite(fd, buffer, 0));
        Assert.Equal(-KernelErrno.EBADF, (long)kernel.Mmap(0, 4096, MemoryProtection.Read, MapFlags.Shared, fd, 0));
        Assert.Empty(kernel.OpenDescriptors);
    }

    [Fact]
    public void A_file_answers_the_calls_it_does_not_implement_as_Linux()
    {
        var kernel = new SimulatedKernel();
        var eventFd = kernel.EventFd(0, EventFdFlags.None);
        var container = kernel.Open("/dev/vfio/vfio", OpenFlags.ReadWrite);
        Span<byte> buffer = stackalloc byte[8];

        // An ioctl the file doesn't know, a read of a file without read, an mmap of a file without mmap.
        Assert.Equal(-KernelErrno.ENOTTY, kernel.Ioctl(eventFd, 0x3b64, 0));
        Assert.Equal(-KernelErrno.EINVAL, kernel.Read(container, buffer));
        Assert.Equal(-KernelErrno.ENODEV, (long)kernel.Mmap(0, 4096, MemoryProtection.Read, MapFlags.Shared, container, 0));
    }

    [Fact]
    public void Open_of_a_missing_path_is_ENOENT_and_of_a_directory_EISDIR()
    {
        var kernel = new SimulatedKernel();
        Assert.Equal(-KernelErrno.ENOENT, kernel.Open("/dev/vfio/42", OpenFlags.ReadWrite));
        Assert.Equal(-KernelErrno.EISDIR, kernel.Open("/dev/vfio", OpenFlags.ReadWrite));
        Assert.Empty(kernel.OpenDescriptors);
    }

    [Fact]
    public void Without_node_access_only_the_container_node_opens()
    {
        var kernel = new SimulatedKernel(new SimulatedKernelOptions { Profile = SimulatedKernelProfile.Linux617, DeviceNodeAccess = false });
        Assert.Equal(-KernelErrno.EACCES, kernel.Open("/dev/iommu", OpenFlags.ReadWrite));
        Assert.Equal(3, kernel.Open("/dev/vfio/vfio", OpenFlags.ReadWrite));
    }

    [Fact]
    public void Eventfd_with_an_unknown_flag_is_EINVAL()
    {
        var kernel = new SimulatedKernel();
        Assert.Equal(-KernelErrno.EINVAL, kernel.EventFd(0, (EventFdFlags)0x4));
        Assert.Empty(kernel.OpenDescriptors);
    }
}
