using Microsoft.CodeAnalysis.Testing;
using VfioSharp.Analyzers.Ioctls.SizeFields;
using Verify = VfioSharp.Analyzers.Tests.Ioctls.IoctlRuleFixVerifier<
    VfioSharp.Analyzers.Ioctls.SizeFields.SizeFieldAnalyzer,
    VfioSharp.Analyzers.CodeFixes.Ioctls.SizeFieldCodeFix>;

namespace VfioSharp.Analyzers.Tests.Ioctls;

/// <summary>The VFIO005 fix: the size field set from sizeof before the call, one at a time and all at once.</summary>
public sealed class SizeFieldCodeFixTests
{
    private const string Usings = IoctlRuleVerifier<SizeFieldAnalyzer>.Usings;

    private static DiagnosticResult At(int markup) => IoctlRuleVerifier<SizeFieldAnalyzer>.Diagnostic(markup);

    [Fact]
    public Task Argsz_is_set_from_sizeof_before_the_statement()
        => Verify.VerifyFixAsync(
            Usings + """
            static unsafe class Probe
            {
                public static long Info(DeviceHandle device)
                {
                    var info = new vfio_device_info();
                    return IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, {|#0:(nint)(&info)|});
                }
            }
            """,
            Usings + """
            static unsafe class Probe
            {
                public static long Info(DeviceHandle device)
                {
                    var info = new vfio_device_info();
                    info.argsz = (uint)sizeof(vfio_device_info);
                    return IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, (nint)(&info));
                }
            }
            """,
            At(0));

    [Fact]
    public Task A_pointer_is_stored_through_and_a_buffer_gets_its_whole_size()
        => Verify.VerifyFixAsync(
            Usings + """
            unsafe struct RegionInfoBuffer
            {
                public vfio_region_info info;
                public fixed byte capabilities[256];
            }

            static unsafe class Probe
            {
                public static long Run(IKernel kernel, int deviceFd)
                {
                    var info = new vfio_device_info();
                    var pointer = &info;
                    if (deviceFd >= 0)
                    {
                        pointer->flags = 0;
                    }

                    long result = kernel.Ioctl(deviceFd, vfio.VFIO_DEVICE_GET_INFO, {|#0:(nint)pointer|});

                    var grown = new RegionInfoBuffer();
                    grown.info.index = 1;
                    return result + kernel.Ioctl(deviceFd, vfio.VFIO_DEVICE_GET_REGION_INFO, {|#1:(nint)(&grown)|});
                }
            }
            """,
            Usings + """
            unsafe struct RegionInfoBuffer
            {
                public vfio_region_info info;
                public fixed byte capabilities[256];
            }

            static unsafe class Probe
            {
                public static long Run(IKernel kernel, int deviceFd)
                {
                    var info = new vfio_device_info();
                    var pointer = &info;
                    if (deviceFd >= 0)
                    {
                        pointer->flags = 0;
                    }

                    pointer->argsz = (uint)sizeof(vfio_device_info);
                    long result = kernel.Ioctl(deviceFd, vfio.VFIO_DEVICE_GET_INFO, (nint)pointer);

                    var grown = new RegionInfoBuffer();
                    grown.info.index = 1;
                    grown.info.argsz = (uint)sizeof(RegionInfoBuffer);
                    return result + kernel.Ioctl(deviceFd, vfio.VFIO_DEVICE_GET_REGION_INFO, (nint)(&grown));
                }
            }
            """,
            At(0),
            At(1));

    [Fact]
    public Task Outside_an_unsafe_context_the_size_comes_from_Unsafe_SizeOf()
        => Verify.VerifyFixAsync(
            Usings + """
            static class Wrapper
            {
                public static long Ioctl<T>(IommufdHandle iommufd, ulong request, ref T argument) where T : unmanaged => 0;

                public static long Allocate(IommufdHandle handle)
                {
                    var ioas = new iommu_ioas_alloc();
                    return Ioctl(handle, iommufd.IOMMU_IOAS_ALLOC, ref {|#0:ioas|});
                }
            }
            """,
            Usings + """
            static class Wrapper
            {
                public static long Ioctl<T>(IommufdHandle iommufd, ulong request, ref T argument) where T : unmanaged => 0;

                public static long Allocate(IommufdHandle handle)
                {
                    var ioas = new iommu_ioas_alloc();
                    ioas.size = (uint)Unsafe.SizeOf<iommu_ioas_alloc>();
                    return Ioctl(handle, iommufd.IOMMU_IOAS_ALLOC, ref ioas);
                }
            }
            """,
            At(0));

    [Fact]
    public Task Fix_all_sets_every_record_and_wraps_an_embedded_statement()
        => Verify.VerifyFixAsync(
            Usings + """
            static unsafe class Probe
            {
                public static long Run(DeviceHandle device, GroupHandle group, bool query)
                {
                    var info = new vfio_device_info();
                    var status = new vfio_group_status();
                    long result = IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, {|#0:(nint)(&info)|})
                        + IoctlCall.Invoke(group, vfio.VFIO_GROUP_GET_STATUS, {|#1:(nint)(&status)|});
                    var again = new vfio_device_info();
                    if (query)
                        result += IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, {|#2:(nint)(&again)|});
                    return result;
                }
            }
            """,
            Usings + """
            static unsafe class Probe
            {
                public static long Run(DeviceHandle device, GroupHandle group, bool query)
                {
                    var info = new vfio_device_info();
                    var status = new vfio_group_status();
                    info.argsz = (uint)sizeof(vfio_device_info);
                    status.argsz = (uint)sizeof(vfio_group_status);
                    long result = IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, (nint)(&info))
                        + IoctlCall.Invoke(group, vfio.VFIO_GROUP_GET_STATUS, (nint)(&status));
                    var again = new vfio_device_info();
                    if (query)
                    {
                        again.argsz = (uint)sizeof(vfio_device_info);
                        result += IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, (nint)(&again));
                    }
                    return result;
                }
            }
            """,
            At(0),
            At(1),
            At(2));

    [Fact]
    public Task An_untyped_buffer_gets_no_fix()
        => Verify.VerifyNoFixAsync(
            Usings + """
            static unsafe class Probe
            {
                public static long Buffer(DeviceHandle device)
                {
                    byte* buffer = stackalloc byte[256];
                    return IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_REGION_INFO, {|#0:(nint)buffer|});
                }
            }
            """,
            At(0));
}
