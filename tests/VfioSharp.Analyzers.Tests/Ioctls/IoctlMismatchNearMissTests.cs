using Verify = VfioSharp.Analyzers.Tests.Ioctls.IoctlRuleVerifier<VfioSharp.Analyzers.Ioctls.IoctlMismatchAnalyzer>;

namespace VfioSharp.Analyzers.Tests.Ioctls;

/// <summary>VFIO004 near misses: raw calls that are right, or whose argument or fd kind can't be known.</summary>
public sealed class IoctlMismatchNearMissTests
{
    [Fact]
    public Task Matching_raw_calls_and_typed_calls_are_silent()
        => Verify.VerifyAsync(Verify.Usings + """
            static unsafe class Calls
            {
                public static long Run(IKernel kernel, DeviceHandle device, ContainerHandle container, GroupHandle group)
                {
                    var info = new vfio_device_info { argsz = (uint)sizeof(vfio_device_info) };
                    var unmap = new vfio_iommu_type1_dma_unmap { argsz = (uint)sizeof(vfio_iommu_type1_dma_unmap) };
                    uint containerFd = 5;
                    long result = IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, (nint)(&info));
                    result += IoctlCall.Invoke(container, vfio.VFIO_IOMMU_UNMAP_DMA, (nint)Unsafe.AsPointer(ref unmap));
                    result += IoctlCall.Invoke(container, vfio.VFIO_CHECK_EXTENSION, vfio.VFIO_TYPE1v2_IOMMU);
                    result += IoctlCall.Invoke(group, vfio.VFIO_GROUP_SET_CONTAINER, (nint)(&containerFd));
                    result += IoctlCall.Invoke(group, vfio.VFIO_GROUP_UNSET_CONTAINER, 0);
                    result += kernel.Ioctl(device.DangerousGetFd(), vfio.VFIO_DEVICE_RESET, 0);
                    result += device.TryVFIO_DEVICE_GET_INFO(ref info);
                    container.VFIO_IOMMU_UNMAP_DMA(ref unmap);
                    return result;
                }
            }
            """);

    [Fact]
    public Task Untyped_buffers_and_buffers_that_begin_with_the_record_fit()
        => Verify.VerifyAsync(Verify.Usings + """
            unsafe struct RegionInfoBuffer
            {
                public vfio_region_info info;
                public fixed byte capabilities[256];
            }

            static unsafe class Regions
            {
                public static long Query(DeviceHandle device, uint index)
                {
                    byte* buffer = stackalloc byte[512];
                    ((vfio_region_info*)buffer)->argsz = 512;
                    ((vfio_region_info*)buffer)->index = index;
                    long result = IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_REGION_INFO, (nint)buffer);
                    result += IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_REGION_INFO, (nint)(vfio_region_info*)buffer);

                    var grown = new RegionInfoBuffer();
                    grown.info.argsz = (uint)sizeof(RegionInfoBuffer);
                    result += IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_REGION_INFO, (nint)(&grown));
                    return result;
                }
            }
            """);

    [Fact]
    public Task Descriptors_and_arguments_of_unknown_origin_are_silent()
        => Verify.VerifyAsync(Verify.Usings + """
            static unsafe class Calls
            {
                public static long Run(IKernel kernel, KernelFileHandle anyHandle, GenericFileHandle generic, int fd, nint argument, bool cdev)
                {
                    var status = new vfio_group_status { argsz = (uint)sizeof(vfio_group_status) };

                    // The handle's static type says nothing about its kind.
                    long result = IoctlCall.Invoke(anyHandle, vfio.VFIO_GROUP_GET_STATUS, (nint)(&status));
                    result += IoctlCall.Invoke(generic, vfio.VFIO_GROUP_GET_STATUS, (nint)(&status));

                    // An fd parameter, and a local with two origins of different kinds.
                    result += kernel.Ioctl(fd, vfio.VFIO_GROUP_GET_STATUS, (nint)(&status));
                    var either = kernel.Open("/dev/vfio/vfio", OpenFlags.ReadWrite);
                    if (cdev)
                    {
                        either = kernel.Open("/dev/iommu", OpenFlags.ReadWrite);
                    }

                    result += kernel.Ioctl(either, vfio.VFIO_GROUP_GET_STATUS, (nint)(&status));

                    // An fd written through out is not followed.
                    Reopen(out var reopened);
                    result += kernel.Ioctl(reopened, vfio.VFIO_GROUP_GET_STATUS, (nint)(&status));

                    // An argument from a parameter, or a local stored twice.
                    result += kernel.Ioctl(fd, vfio.VFIO_GROUP_GET_STATUS, argument);
                    var twice = (nint)(&status);
                    twice = argument;
                    result += kernel.Ioctl(fd, vfio.VFIO_DEVICE_GET_INFO, twice);
                    return result;
                }

                private static void Reopen(out int fd) => fd = 3;
            }
            """);

    [Fact]
    public Task Scalars_of_the_same_size_and_requests_without_argument_fit()
        => Verify.VerifyAsync(Verify.Usings + """
            enum IommuType { Type1 = 1, Type1v2 = 3 }

            static unsafe class Calls
            {
                public static long Run(GroupHandle group, DeviceHandle device, ContainerHandle container)
                {
                    uint containerFd = 4;
                    var type = IommuType.Type1v2;
                    var info = new vfio_device_info();
                    return IoctlCall.Invoke(group, vfio.VFIO_GROUP_SET_CONTAINER, (nint)(&containerFd))
                        + IoctlCall.Invoke(container, vfio.VFIO_SET_IOMMU, (nint)type)
                        + IoctlCall.Invoke(device, vfio.VFIO_DEVICE_RESET, (nint)(&info));
                }
            }
            """);

    [Fact]
    public Task Constants_without_the_attribute_are_not_requests()
        => Verify.VerifyWithoutRuntimeAsync("""
            static unsafe class Calls
            {
                private const ulong VFIO_IOMMU_UNMAP_DMA = 0x3B72;

                private static long Ioctl(int fd, ulong request, nint argument) => 0;

                public static long Run(int container)
                {
                    var map = 0L;
                    return Ioctl(container, VFIO_IOMMU_UNMAP_DMA, (nint)(&map));
                }
            }
            """);

    [Fact]
    public Task Generated_code_is_not_analyzed()
        => Verify.VerifyAsync("""
            // <auto-generated/>
            using VfioSharp.Handles;
            using VfioSharp.Ioctls;
            using VfioSharp.Uapi;

            static unsafe class Generated
            {
                public static long Unmap(ContainerHandle container, vfio_iommu_type1_dma_map map)
                    => IoctlCall.Invoke(container, vfio.VFIO_IOMMU_UNMAP_DMA, (nint)(&map));
            }
            """);
}
