namespace VfioSharp.Analyzers.Tests.FileDescriptors;

/// <summary>Code that looks like the bug but is not: VFIO003 must stay silent.</summary>
public class NearMissTests
{
    [Fact]
    public Task Minus_one_initializer()
        => Vfio003.AnalyzeAsync("""
            sealed class IfcVdpaInternal
            {
                public int vfio_group_fd = -1;

                public int GetVfioGroupFd() => vfio_group_fd;
            }
            """);

    [Fact]
    public Task Every_constructor_assigns_including_through_this_chaining()
        => Vfio003.AnalyzeAsync("""
            sealed class Container
            {
                private readonly IKernel _kernel;
                private readonly int _fd;

                public Container(IKernel kernel) : this(kernel, "/dev/vfio/vfio") { }

                public Container(IKernel kernel, string path)
                {
                    _kernel = kernel;
                    _fd = kernel.Open(path);
                }

                public void Close() => _kernel.Close(_fd);
            }
            """);

    [Fact]
    public Task Constructor_assigns_on_every_path_that_returns_and_throws_on_the_others()
        => Vfio003.AnalyzeAsync("""
            sealed class Device
            {
                private readonly int _fd;

                public Device(IKernel kernel, string path, bool readOnly)
                {
                    var fd = kernel.Open(path);
                    if (fd < 0)
                    {
                        throw new System.IO.IOException(path);
                    }

                    if (readOnly)
                    {
                        _fd = fd;
                    }
                    else
                    {
                        _fd = kernel.Open(path + "-rw");
                    }
                }

                public int Fd => _fd;
            }
            """);

    [Fact]
    public Task Constructor_assigns_through_an_out_argument_a_helper_method_and_a_local_function()
        => Vfio003.AnalyzeAsync("""
            sealed class Device
            {
                private int _groupFd;
                private int _deviceFd;
                private int _eventFd;

                public Device(IKernel kernel)
                {
                    OpenGroup(kernel, out _groupFd);
                    OpenDevice(kernel);
                    OpenEvent();

                    void OpenEvent() => _eventFd = kernel.Open("eventfd");
                }

                private static void OpenGroup(IKernel kernel, out int fd) => fd = kernel.Open("/dev/vfio/1");

                private void OpenDevice(IKernel kernel) => _deviceFd = kernel.Ioctl(_groupFd, 0x3b6a);

                public int[] Fds() => new[] { _groupFd, _deviceFd, _eventFd };
            }
            """);

    [Fact]
    public Task Factory_with_a_private_constructor_assigns_before_returning()
        => Vfio003.AnalyzeAsync("""
            sealed class Group
            {
                private int _fd;

                private Group() { }

                public static Group Open(IKernel kernel, int number)
                {
                    var group = new Group();
                    group._fd = kernel.Open("/dev/vfio/" + number);
                    return group;
                }

                public void Close(IKernel kernel) => kernel.Close(_fd);
            }
            """);

    [Fact]
    public Task Struct_whose_only_factory_assigns_the_fd()
        => Vfio003.AnalyzeAsync("""
            readonly struct EventFd
            {
                private readonly int _fd;

                private EventFd(int fd) => _fd = fd;

                public static EventFd Create(IKernel kernel) => new EventFd(kernel.Open("eventfd"));

                public void Signal(IKernel kernel) => kernel.Ioctl(_fd, 1);
            }
            """);

    [Fact]
    public Task Attribute_marked_member_that_every_path_assigns()
        => Vfio003.AnalyzeAsync("""
            using VfioSharp;

            sealed class Ioas
            {
                [FileDescriptor] private readonly long _iommufd;

                public Ioas(IKernel kernel, bool shared)
                {
                    _iommufd = shared ? kernel.Open("/dev/iommu") : kernel.Open("/dev/iommu-private");
                }

                public long Iommufd => _iommufd;
            }
            """);

    [Fact]
    public Task Names_that_only_look_like_fds_and_members_that_are_not_ints()
        => Vfio003.AnalyzeAsync("""
            using Microsoft.Win32.SafeHandles;

            sealed class Table
            {
                public int fdCount;
                public int[] fds = System.Array.Empty<int>();
                public int kfd;
                public uint GroupFd;
                public SafeFileHandle? DeviceFd;
                public const int NoFd = 0;
                public static int s_fd;

                public int Sum() => fdCount + fds.Length + kfd + (int)GroupFd + (DeviceFd is null ? 0 : 1) + NoFd + s_fd;
            }
            """);

    [Fact]
    public Task Fd_that_is_written_but_never_read()
        => Vfio003.AnalyzeAsync("""
            sealed class Probe
            {
                public int DeviceFd;
                private int _groupFd;

                public void Open(IKernel kernel)
                {
                    _groupFd = kernel.Open("/dev/vfio/1");
                    DeviceFd = kernel.Open("/dev/vfio/devices/vfio0");
                }
            }
            """);

    [Fact]
    public Task Kernel_struct_filled_by_an_ioctl_before_its_fd_is_read()
        => Vfio003.AnalyzeAsync("""
            using VfioSharp;

            struct iommu_fault_alloc
            {
                public uint size;
                public uint flags;
                public uint out_fault_id;
                [FileDescriptor] public int out_fault_fd;
            }

            static class Faults
            {
                public static int Allocate(IKernel kernel, int iommufd)
                {
                    var alloc = new iommu_fault_alloc { size = 16 };
                    kernel.Ioctl(iommufd, 0x3b8e, ref alloc);
                    return alloc.out_fault_fd;
                }

                public static int Close(IKernel kernel, iommu_fault_alloc alloc) => kernel.Close(alloc.out_fault_fd);
            }
            """);

    [Fact]
    public Task Positional_record_and_required_members_are_assigned_by_every_creation()
        => Vfio003.AnalyzeAsync("""
            sealed record DeviceHandle(int Fd, string Name);

            sealed class Group
            {
                public required int GroupFd { get; init; }
                public int Close(IKernel kernel) => kernel.Close(GroupFd);
            }

            static class Use
            {
                public static int Run(IKernel kernel, DeviceHandle handle)
                {
                    var group = new Group { GroupFd = kernel.Open("/dev/vfio/3") };
                    return kernel.Close(handle.Fd) + group.Close(kernel);
                }
            }
            """);

    [Fact]
    public Task Every_creation_site_sets_the_fd_in_its_object_initializer()
        => Vfio003.AnalyzeAsync("""
            sealed class Region
            {
                public int Index;
                public int Fd;

                public void Unmap(IKernel kernel) => kernel.Ioctl(Fd, 0x3b72);
            }

            static class Regions
            {
                public static Region Map(IKernel kernel, int index)
                {
                    var region = new Region { Index = index, Fd = kernel.Open("/dev/vfio/devices/vfio0") };
                    kernel.Ioctl(region.Fd, 0x3b71);
                    return region;
                }
            }
            """);

    [Fact]
    public Task Read_right_after_an_assignment_in_the_same_method()
        => Vfio003.AnalyzeAsync("""
            sealed class Device
            {
                private int _fd;

                public int Reopen(IKernel kernel)
                {
                    _fd = kernel.Open("/dev/vfio/devices/vfio0");
                    return kernel.Ioctl(_fd, 0x3b6b);
                }
            }
            """);

    [Fact]
    public Task Base_constructor_assigns_the_fd_that_a_derived_class_reads()
        => Vfio003.AnalyzeAsync("""
            abstract class VfioFile
            {
                protected readonly int Fd;

                protected VfioFile(IKernel kernel, string path) => Fd = kernel.Open(path);
            }

            sealed class GroupFile : VfioFile
            {
                public GroupFile(IKernel kernel, int number) : base(kernel, "/dev/vfio/" + number) { }

                public int Status(IKernel kernel) => kernel.Ioctl(Fd, 0x3b67);
            }
            """);

    [Fact]
    public Task Fd_assigned_after_the_instance_is_created_and_before_it_is_used()
        => Vfio003.AnalyzeAsync("""
            sealed class VdpaDevice
            {
                public string Name = "";
                public int DeviceFd;
            }

            static class VdpaProbe
            {
                public static VdpaDevice? Open(IKernel kernel, string name)
                {
                    var device = new VdpaDevice { Name = name };
                    device.DeviceFd = kernel.Open(name);
                    if (device.DeviceFd < 0)
                    {
                        return null;
                    }

                    kernel.Ioctl(device.DeviceFd, 1);
                    return device;
                }

                public static VdpaDevice OpenEither(IKernel kernel, string name, bool primary)
                {
                    var device = new VdpaDevice { Name = name };
                    device.DeviceFd = primary ? kernel.Open(name) : kernel.Open(name + "-secondary");
                    kernel.Ioctl(device.DeviceFd, 1);
                    return device;
                }
            }
            """);

    [Fact]
    public Task Struct_read_after_being_filled_through_a_pointer()
        => Vfio003.AnalyzeAsync("""
            unsafe struct vfio_device_feature
            {
                public int argsz;
                public int device_fd;

                public vfio_device_feature() => argsz = sizeof(vfio_device_feature);
            }

            static unsafe class Features
            {
                public static int Query(delegate*<void*, int> ioctl)
                {
                    var feature = new vfio_device_feature();
                    ioctl(&feature);
                    return feature.device_fd;
                }
            }
            """);

    [Fact]
    public Task Kernel_struct_with_a_constructor_read_through_a_parameter()
        => Vfio003.AnalyzeAsync("""
            using VfioSharp;

            struct vfio_device_bind_iommufd
            {
                public uint argsz;
                public uint flags;
                [FileDescriptor] public int iommufd;
                public uint out_devid;

                public vfio_device_bind_iommufd() => argsz = 16;
            }

            static class Bind
            {
                public static int Run(IKernel kernel, int deviceFd, ref vfio_device_bind_iommufd bind)
                    => kernel.Ioctl(deviceFd, 0x3b76, ref bind);

                public static int Iommufd(vfio_device_bind_iommufd bind) => bind.iommufd;
            }
            """);

    [Fact]
    public Task Record_whose_every_creation_sets_the_fd_and_whose_copies_keep_it()
        => Vfio003.AnalyzeAsync("""
            sealed record Mapping
            {
                public int Fd { get; init; }
                public ulong Iova { get; init; }

                public int Unmap(IKernel kernel) => kernel.Ioctl(Fd, 0x3b72);
            }

            static class Mappings
            {
                public static Mapping Map(IKernel kernel, ulong iova)
                {
                    var mapping = new Mapping { Fd = kernel.Open("/dev/iommu"), Iova = iova };
                    return mapping with { Iova = iova + 4096 };
                }
            }
            """);

    // A throw helper ends the path it is called on: only the paths that go on must assign.
    [Fact]
    public Task Constructor_whose_other_path_ends_in_a_throw_helper()
        => Vfio003.AnalyzeAsync("""
            using System.Diagnostics.CodeAnalysis;

            sealed class Device
            {
                private readonly int _fd;

                public Device(IKernel kernel, bool present, bool cdev)
                {
                    if (present)
                    {
                        _fd = kernel.Open("/dev/vfio/devices/vfio0");
                    }
                    else if (cdev)
                    {
                        Fail("no device");
                    }
                    else
                    {
                        ThrowHelper.NoGroup();
                    }
                }

                public int Fd => _fd;

                private void Fail(string why) => throw new System.InvalidOperationException(why);
            }

            static class ThrowHelper
            {
                [DoesNotReturn]
                public static void NoGroup()
                {
                    Log("no group");
                    throw new System.InvalidOperationException("no group");
                }

                private static void Log(string message) { }
            }
            """);
}
