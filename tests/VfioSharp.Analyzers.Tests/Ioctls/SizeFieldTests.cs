using Microsoft.CodeAnalysis;
using Verify = VfioSharp.Analyzers.Tests.Ioctls.IoctlRuleVerifier<VfioSharp.Analyzers.Ioctls.SizeFields.SizeFieldAnalyzer>;

namespace VfioSharp.Analyzers.Tests.Ioctls;

/// <summary>
/// VFIO005 true positives: a record passed by address to a raw ioctl whose request names a size
/// field, with some path from its creation to the call that never stores to that field.
/// </summary>
public sealed class SizeFieldTests
{
    [Fact]
    public Task A_new_record_passed_without_argsz_is_reported_at_the_argument()
        => Verify.VerifyAsync(
            Verify.Usings + """
            static unsafe class Probe
            {
                public static long Info(DeviceHandle device)
                {
                    var info = new vfio_device_info();
                    return IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, {|#0:(nint)(&info)|});
                }
            }
            """,
            Verify.Diagnostic(0, "info", "VFIO_DEVICE_GET_INFO", "argsz"));

    [Fact]
    public Task Argsz_set_on_one_path_only_is_reported()
        => Verify.VerifyAsync(Verify.Usings + """
            static unsafe class Probe
            {
                public static long Info(DeviceHandle device, bool grow)
                {
                    var info = new vfio_device_info();
                    if (grow)
                    {
                        info.argsz = 4096;
                    }

                    return IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, {|#0:(nint)(&info)|});
                }
            }
            """,
            Verify.Diagnostic(0));

    [Fact]
    public Task Declarations_default_and_initializers_without_the_size_field_are_creations()
        => Verify.VerifyAsync(Verify.Usings + """
            static unsafe class Probe
            {
                public static long Run(DeviceHandle device, GroupHandle group, IommufdHandle handle)
                {
                    vfio_device_info info;
                    info.flags = 0;
                    long result = IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, {|#0:(nint)(&info)|});

                    vfio_group_status status = default;
                    result += IoctlCall.Invoke(group, vfio.VFIO_GROUP_GET_STATUS, {|#1:(nint)(&status)|});

                    var region = new vfio_region_info { index = 2, flags = 0 };
                    result += IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_REGION_INFO, {|#2:(nint)(&region)|});

                    var ioas = new iommu_ioas_alloc { flags = 0 };
                    return result + IoctlCall.Invoke(handle, iommufd.IOMMU_IOAS_ALLOC, {|#3:(nint)(&ioas)|});
                }
            }
            """,
            Verify.Diagnostic(0),
            Verify.Diagnostic(1),
            Verify.Diagnostic(2),
            Verify.Diagnostic(3, "ioas", "IOMMU_IOAS_ALLOC", "size"));

    [Fact]
    public Task A_record_created_again_after_its_size_was_set_is_reported()
        => Verify.VerifyAsync(Verify.Usings + """
            static unsafe class Probe
            {
                public static long Info(DeviceHandle device)
                {
                    var info = new vfio_device_info { argsz = (uint)sizeof(vfio_device_info) };
                    long result = IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, (nint)(&info));
                    info = new vfio_device_info();
                    return result + IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, {|#0:(nint)(&info)|});
                }
            }
            """,
            Verify.Diagnostic(0));

    [Fact]
    public Task Fixed_pointers_stackalloc_and_the_kernel_seam_are_followed()
        => Verify.VerifyAsync(Verify.Usings + """
            static unsafe class Probe
            {
                public static long Run(IKernel kernel, int deviceFd, DeviceHandle device)
                {
                    var info = new vfio_device_info();
                    vfio_device_info* pointer = &info;
                    long result = kernel.Ioctl(deviceFd, vfio.VFIO_DEVICE_GET_INFO, {|#0:(nint)pointer|});

                    var other = new vfio_device_info();
                    result += kernel.Ioctl(deviceFd, vfio.VFIO_DEVICE_GET_INFO, {|#1:(nint)Unsafe.AsPointer(ref other)|});

                    var allocated = stackalloc vfio_device_info[1];
                    result += IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, {|#2:(nint)allocated|});

                    byte* buffer = stackalloc byte[256];
                    ((vfio_region_info*)buffer)->index = 0;
                    return result + IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_REGION_INFO, {|#3:(nint)buffer|});
                }
            }
            """,
            Verify.Diagnostic(0),
            Verify.Diagnostic(1),
            Verify.Diagnostic(2, "*allocated", "VFIO_DEVICE_GET_INFO", "argsz"),
            Verify.Diagnostic(3));

    [Fact]
    public Task Records_in_struct_fields_loops_and_fields_of_this_are_followed()
        => Verify.VerifyAsync(Verify.Usings + """
            struct DeviceState
            {
                public int Fd;
                public vfio_device_info Info;
            }

            sealed unsafe class Device
            {
                private vfio_device_info _info;

                public long Refresh(DeviceHandle device)
                {
                    _info = new vfio_device_info();
                    fixed (vfio_device_info* info = &_info)
                    {
                        return IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, {|#0:(nint)info|});
                    }
                }

                public static long Run(DeviceHandle device, uint regions)
                {
                    var state = new DeviceState { Fd = 3 };
                    long result = IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, {|#1:(nint)(&state.Info)|});
                    for (uint index = 0; index < regions; index++)
                    {
                        vfio_region_info region;
                        region.index = index;
                        result += IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_REGION_INFO, {|#2:(nint)(&region)|});
                    }

                    return result;
                }
            }
            """,
            Verify.Diagnostic(0),
            Verify.Diagnostic(1, "state.Info", "VFIO_DEVICE_GET_INFO", "argsz"),
            Verify.Diagnostic(2));

    [Fact]
    public Task A_ref_wrapper_is_a_raw_call_and_one_record_is_reported_once()
        => Verify.VerifyAsync(Verify.Usings + """
            static class Wrapper
            {
                public static long Ioctl<T>(DeviceHandle device, ulong request, ref T argument) where T : unmanaged => 0;

                public static long Info(DeviceHandle device)
                {
                    var info = new vfio_device_info();
                    var result = Ioctl(device, vfio.VFIO_DEVICE_GET_INFO, ref {|#0:info|});
                    return result + Ioctl(device, vfio.VFIO_DEVICE_GET_INFO, ref info);
                }
            }
            """,
            Verify.Diagnostic(0));

    [Fact]
    public Task Lambdas_local_functions_and_top_level_code_are_analyzed()
        => Verify.VerifyAsync(
            Verify.Usings + """
            unsafe
            {
                var device = new DeviceHandle(null!, 3);
                var status = new vfio_group_status();
                Console.WriteLine(IoctlCall.Invoke(device, vfio.VFIO_GROUP_GET_STATUS, {|#0:(nint)(&status)|}));
                Func<long> query = () =>
                {
                    var info = new vfio_device_info();
                    return IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, {|#1:(nint)(&info)|});
                };
                Console.WriteLine(query() + Local());

                long Local()
                {
                    var info = new vfio_device_info();
                    return IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, {|#2:(nint)(&info)|});
                }
            }
            """,
            OutputKind.ConsoleApplication,
            Verify.Diagnostic(0),
            Verify.Diagnostic(1),
            Verify.Diagnostic(2));

    [Fact]
    public Task A_path_through_a_catch_that_skipped_the_store_is_reported()
        => Verify.VerifyAsync(Verify.Usings + """
            static unsafe class Probe
            {
                public static long Info(DeviceHandle device, Func<uint> size)
                {
                    var info = new vfio_device_info();
                    try
                    {
                        info.argsz = size();
                    }
                    catch (InvalidOperationException)
                    {
                    }

                    return IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, {|#0:(nint)(&info)|});
                }
            }
            """,
            Verify.Diagnostic(0));
}
