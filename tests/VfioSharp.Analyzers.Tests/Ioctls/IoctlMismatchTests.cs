using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using VfioSharp.Analyzers.Ioctls;
using Verify = VfioSharp.Analyzers.Tests.Ioctls.IoctlRuleVerifier<VfioSharp.Analyzers.Ioctls.IoctlMismatchAnalyzer>;

namespace VfioSharp.Analyzers.Tests.Ioctls;

/// <summary>
/// VFIO004 true positives: raw ioctl calls whose argument or descriptor is not what the request
/// constant's <c>[IoctlRequest]</c> says, however the argument and the fd got there.
/// </summary>
public sealed class IoctlMismatchTests
{
    [Fact]
    public Task Spapr_unmap_passing_the_map_record_is_reported_at_the_argument()
        => Verify.VerifyAsync(
            Verify.Usings + """
            static unsafe class Spapr
            {
                // DPDK's sPAPR unmap: the map record handed to VFIO_IOMMU_UNMAP_DMA.
                public static long Unmap(ContainerHandle container, ulong iova, ulong size)
                {
                    var map = new vfio_iommu_type1_dma_map
                    {
                        argsz = (uint)sizeof(vfio_iommu_type1_dma_map),
                        iova = iova,
                        size = size,
                    };
                    return IoctlCall.Invoke(container, vfio.VFIO_IOMMU_UNMAP_DMA, {|#0:(nint)(&map)|});
                }
            }
            """,
            Verify.Diagnostic(
                0,
                "VFIO_IOMMU_UNMAP_DMA",
                "a pointer to vfio_iommu_type1_dma_unmap",
                "a pointer to vfio_iommu_type1_dma_map"));

    [Fact]
    public Task A_fixed_pointer_to_the_wrong_record_through_the_kernel_seam_is_reported()
        => Verify.VerifyAsync(Verify.Usings + """
            static unsafe class Spapr
            {
                public static long Unmap(IKernel kernel, int containerFd, ref vfio_iommu_type1_dma_map map)
                {
                    fixed (vfio_iommu_type1_dma_map* pointer = &map)
                    {
                        return kernel.Ioctl(containerFd, vfio.VFIO_IOMMU_UNMAP_DMA, {|#0:(nint)pointer|});
                    }
                }
            }
            """,
            Verify.Diagnostic(0));

    [Fact]
    public Task Unsafe_AsPointer_a_pointer_local_and_an_nint_local_are_followed()
        => Verify.VerifyAsync(Verify.Usings + """
            static unsafe class Spapr
            {
                public static void Unmap(ContainerHandle container, vfio_iommu_type1_dma_map map)
                {
                    IoctlCall.Invoke(container, vfio.VFIO_IOMMU_UNMAP_DMA, {|#0:(nint)Unsafe.AsPointer(ref map)|});

                    vfio_iommu_type1_dma_map* pointer = &map;
                    IoctlCall.Invoke(container, vfio.VFIO_IOMMU_UNMAP_DMA, {|#1:(nint)pointer|});

                    nint argument = (nint)(&map);
                    IoctlCall.Invoke(container, vfio.VFIO_IOMMU_UNMAP_DMA, {|#2:argument|});

                    void* untyped = &map;
                    IoctlCall.Invoke(container, vfio.VFIO_IOMMU_UNMAP_DMA, {|#3:(nint)untyped|});

                    // A cast between record pointers does not change what the memory holds.
                    IoctlCall.Invoke(container, vfio.VFIO_IOMMU_UNMAP_DMA, {|#4:(nint)(vfio_iommu_type1_dma_unmap*)&map|});
                }
            }
            """,
            Verify.Diagnostic(0),
            Verify.Diagnostic(1),
            Verify.Diagnostic(2),
            Verify.Diagnostic(3),
            Verify.Diagnostic(4));

    [Fact]
    public Task A_handle_of_another_kind_is_reported_at_the_handle()
        => Verify.VerifyAsync(
            Verify.Usings + """
            static unsafe class Probe
            {
                public static long Info(GroupHandle group)
                {
                    var info = new vfio_device_info { argsz = (uint)sizeof(vfio_device_info) };
                    return IoctlCall.Invoke({|#0:group|}, vfio.VFIO_DEVICE_GET_INFO, (nint)(&info));
                }
            }
            """,
            Verify.Diagnostic(0, "VFIO_DEVICE_GET_INFO", "a device fd", "a group fd ('group' is a GroupHandle)"));

    [Fact]
    public Task An_int_fd_returned_by_VFIO_GROUP_GET_DEVICE_FD_is_a_device_fd()
        => Verify.VerifyAsync(
            Verify.Usings + """
            static unsafe class Probe
            {
                public static long Status(IKernel kernel, int groupFd, byte* name)
                {
                    int deviceFd = (int)kernel.Ioctl(groupFd, vfio.VFIO_GROUP_GET_DEVICE_FD, (nint)name);
                    var status = new vfio_group_status { argsz = (uint)sizeof(vfio_group_status) };
                    return kernel.Ioctl({|#0:deviceFd|}, vfio.VFIO_GROUP_GET_STATUS, (nint)(&status));
                }
            }
            """,
            Verify.Diagnostic(
                0,
                "VFIO_GROUP_GET_STATUS",
                "a group fd",
                "a device fd ('deviceFd' is returned by VFIO_GROUP_GET_DEVICE_FD)"));

    [Fact]
    public Task Raw_fds_of_handles_and_opened_paths_have_kinds()
        => Verify.VerifyAsync(Verify.Usings + """
            static unsafe class Probe
            {
                public static void Status(IKernel kernel, DeviceHandle device, int group)
                {
                    var status = new vfio_group_status { argsz = (uint)sizeof(vfio_group_status) };
                    kernel.Ioctl({|#0:device.DangerousGetFd()|}, vfio.VFIO_GROUP_GET_STATUS, (nint)(&status));

                    var container = kernel.Open("/dev/vfio/vfio", OpenFlags.ReadWrite);
                    kernel.Ioctl({|#1:container|}, vfio.VFIO_GROUP_GET_STATUS, (nint)(&status));

                    var groupFd = kernel.Open($"/dev/vfio/{group}", OpenFlags.ReadWrite);
                    kernel.Ioctl({|#2:groupFd|}, vfio.VFIO_CHECK_EXTENSION, vfio.VFIO_TYPE1v2_IOMMU);

                    KernelFileHandle handle = device;
                    IoctlCall.Invoke({|#3:handle|}, vfio.VFIO_GROUP_GET_STATUS, (nint)(&status));
                }
            }
            """,
            Verify.Diagnostic(0),
            Verify.Diagnostic(1),
            Verify.Diagnostic(2),
            Verify.Diagnostic(3));

    [Fact]
    public Task A_value_where_the_request_takes_a_pointer_is_reported()
        => Verify.VerifyAsync(
            Verify.Usings + """
            static class Setup
            {
                // ioctl(group, VFIO_GROUP_SET_CONTAINER, container_fd): the fd itself instead of its address.
                public static long Attach(GroupHandle group, int containerFd)
                    => IoctlCall.Invoke(group, vfio.VFIO_GROUP_SET_CONTAINER, {|#0:containerFd|});

                public static long Info(DeviceHandle device)
                    => IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, {|#1:0|});
            }
            """,
            Verify.Diagnostic(0, "VFIO_GROUP_SET_CONTAINER", "a pointer to int", "an int value"),
            Verify.Diagnostic(1, "VFIO_DEVICE_GET_INFO", "a pointer to vfio_device_info", "a null pointer"));

    [Fact]
    public Task A_pointer_where_the_request_takes_a_value_is_reported()
        => Verify.VerifyAsync(
            Verify.Usings + """
            static unsafe class Setup
            {
                public static long SetIommu(ContainerHandle container)
                {
                    int type = vfio.VFIO_TYPE1v2_IOMMU;
                    return IoctlCall.Invoke(container, vfio.VFIO_SET_IOMMU, {|#0:(nint)(&type)|});
                }
            }
            """,
            Verify.Diagnostic(0, "VFIO_SET_IOMMU", "an int by value", "a pointer to int"));

    [Fact]
    public Task A_drivers_own_wrapper_with_the_request_shape_is_checked()
        => Verify.VerifyAsync(Verify.Usings + """
            static class Wrapper
            {
                public static long Ioctl<T>(DeviceHandle device, ulong request, ref T argument) where T : unmanaged => 0;

                public static long Info(DeviceHandle device, GroupHandle group)
                {
                    var status = new vfio_group_status();
                    var info = new vfio_device_info();
                    Ioctl(device, vfio.VFIO_DEVICE_GET_INFO, ref {|#0:status|});
                    return Ioctl(device, vfio.VFIO_DEVICE_GET_INFO, ref info) + Raw({|#1:group|}, vfio.VFIO_DEVICE_RESET);
                }

                private static long Raw(KernelFileHandle handle, ulong request) => 0;
            }
            """,
            Verify.Diagnostic(0),
            Verify.Diagnostic(1));

    [Fact]
    public Task A_shared_request_number_on_the_other_kind_reports_both_mismatches()
        => Verify.VerifyAsync(Verify.Usings + """
            static unsafe class Reset
            {
                // VFIO_IOMMU_GET_INFO and VFIO_DEVICE_GET_PCI_HOT_RESET_INFO are both 0x3B70.
                public static long Info(DeviceHandle device)
                {
                    var info = new vfio_pci_hot_reset_info { argsz = (uint)sizeof(vfio_pci_hot_reset_info) };
                    return IoctlCall.Invoke({|#0:device|}, vfio.VFIO_IOMMU_GET_INFO, {|#1:(nint)(&info)|});
                }
            }
            """,
            Verify.Diagnostic(0),
            Verify.Diagnostic(1));

    [Fact]
    public Task Top_level_code_is_checked()
        => Verify.VerifyAsync(
            Verify.Usings + """
            unsafe
            {
                var kernel = (IKernel)null!;
                var map = new vfio_iommu_type1_dma_map();
                kernel.Ioctl(3, vfio.VFIO_IOMMU_UNMAP_DMA, {|#0:(nint)(&map)|});
            }
            """,
            OutputKind.ConsoleApplication,
            Verify.Diagnostic(0));

    [Fact]
    public Task Attribute_and_handles_declared_in_source_are_matched_by_name()
        => Verify.VerifyWithoutRuntimeAsync("""
            namespace VfioSharp
            {
                public enum IoctlArgumentDirection { None, In, Out, InOut }

                [System.AttributeUsage(System.AttributeTargets.Field)]
                public sealed class IoctlRequestAttribute : System.Attribute
                {
                    public IoctlRequestAttribute(VfioSharp.Handles.FdKind fdKind, System.Type argument, IoctlArgumentDirection direction) { }
                    public string SizeField { get; set; }
                }
            }

            namespace VfioSharp.Handles
            {
                public enum FdKind { Generic, Container, Group, Device }
                public abstract class KernelFileHandle { }
                public sealed class DeviceHandle : KernelFileHandle { }
                public sealed class GroupHandle : KernelFileHandle { }
            }

            namespace Driver
            {
                using VfioSharp;
                using VfioSharp.Handles;

                public struct my_info { public uint argsz; }
                public struct my_status { public uint argsz; }

                public static class my_header
                {
                    [IoctlRequest(FdKind.Device, typeof(my_info), IoctlArgumentDirection.InOut, SizeField = "argsz")]
                    public const ulong MY_GET_INFO = 0x3B6B;
                }

                static unsafe class Calls
                {
                    static long Ioctl(KernelFileHandle handle, ulong request, nint argument) => 0;

                    static long Info(DeviceHandle device, GroupHandle group)
                    {
                        var status = new my_status { argsz = 4 };
                        var info = new my_info { argsz = 4 };
                        return Ioctl(device, my_header.MY_GET_INFO, {|#0:(nint)(&status)|})
                            + Ioctl({|#1:group|}, my_header.MY_GET_INFO, (nint)(&info));
                    }
                }
            }
            """,
            Verify.Diagnostic(0, "MY_GET_INFO", "a pointer to my_info", "a pointer to my_status"),
            Verify.Diagnostic(1));
}
