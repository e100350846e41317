using Verify = VfioSharp.Analyzers.Tests.Ioctls.IoctlRuleVerifier<VfioSharp.Analyzers.Ioctls.SizeFields.SizeFieldAnalyzer>;

namespace VfioSharp.Analyzers.Tests.Ioctls;

/// <summary>VFIO005 near misses: the size field is set on every path, set where the analysis can't see, or not needed.</summary>
public sealed class SizeFieldNearMissTests
{
    [Fact]
    public Task Every_way_of_setting_the_size_field_counts()
        => Verify.VerifyAsync(Verify.Usings + """
            static unsafe class Probe
            {
                public static long Run(DeviceHandle device, GroupHandle group, bool grow)
                {
                    var initialized = new vfio_device_info { argsz = (uint)sizeof(vfio_device_info) };
                    long result = IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, (nint)(&initialized));

                    var assigned = new vfio_device_info();
                    assigned.argsz = grow ? 4096u : (uint)sizeof(vfio_device_info);
                    result += IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, (nint)(&assigned));

                    vfio_group_status status;
                    if (grow)
                    {
                        status.argsz = 16;
                    }
                    else
                    {
                        status = new vfio_group_status { argsz = 8 };
                    }

                    result += IoctlCall.Invoke(group, vfio.VFIO_GROUP_GET_STATUS, (nint)(&status));

                    var compound = new vfio_device_info();
                    compound.argsz += 24;
                    result += IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, (nint)(&compound));

                    var pointed = new vfio_device_info();
                    var pointer = &pointed;
                    pointer->argsz = 24;
                    result += IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, (nint)(&pointed));

                    ref var alias = ref assigned;
                    alias = new vfio_device_info();
                    alias.argsz = 24;
                    result += IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, (nint)(&assigned));

                    byte* buffer = stackalloc byte[512];
                    var region = (vfio_region_info*)buffer;
                    region->argsz = 512;
                    return result + IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_REGION_INFO, (nint)buffer);
                }
            }
            """);

    [Fact]
    public Task Passing_the_record_elsewhere_first_counts_as_setting_it()
        => Verify.VerifyAsync(Verify.Usings + """
            static unsafe class Probe
            {
                private static void Prepare(ref vfio_device_info info) => info.argsz = 24;
                private static void Prepare(vfio_device_info* info) => info->argsz = 24;
                private static void Fill(out vfio_device_info info) => info = new vfio_device_info { argsz = 24 };

                public static long Run(DeviceHandle device)
                {
                    var byRef = new vfio_device_info();
                    Prepare(ref byRef);
                    long result = IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, (nint)(&byRef));

                    var byPointer = new vfio_device_info();
                    Prepare(&byPointer);
                    result += IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, (nint)(&byPointer));

                    Fill(out var filled);
                    result += IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, (nint)(&filled));

                    var sized = new vfio_device_info();
                    Prepare(ref sized);
                    sized.flags = 0;
                    return result + IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, (nint)(&sized));
                }
            }
            """);

    [Fact]
    public Task Records_created_elsewhere_are_not_judged()
        => Verify.VerifyAsync(Verify.Usings + """
            sealed unsafe class Probe
            {
                private vfio_device_info _info;

                private static vfio_device_info Make() => new() { argsz = 24 };

                public long Refresh(DeviceHandle device)
                {
                    fixed (vfio_device_info* info = &_info)
                    {
                        return IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, (nint)info);
                    }
                }

                public long Recreated(DeviceHandle device)
                {
                    _info = new vfio_device_info();
                    Reset();
                    fixed (vfio_device_info* info = &_info)
                    {
                        return IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, (nint)info);
                    }
                }

                private void Reset() => _info.argsz = 24;

                public static long Run(DeviceHandle device, ref vfio_device_info caller, vfio_device_info template, vfio_device_info* given)
                {
                    long result;
                    fixed (vfio_device_info* pointer = &caller)
                    {
                        result = IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, (nint)pointer);
                    }

                    var made = Make();
                    result += IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, (nint)(&made));

                    var copied = template;
                    result += IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, (nint)(&copied));

                    return result + IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, (nint)given);
                }
            }
            """);

    [Fact]
    public Task Captured_records_typed_calls_and_requests_without_a_size_field_are_silent()
        => Verify.VerifyAsync(Verify.Usings + """
            static unsafe class Probe
            {
                public static long Run(DeviceHandle device, GroupHandle group, ContainerHandle container)
                {
                    var captured = new vfio_device_info();
                    Action later = () => captured.argsz = 24;
                    later();
                    long result = IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, (nint)Unsafe.AsPointer(ref captured));

                    var typed = new vfio_device_info();
                    result += device.TryVFIO_DEVICE_GET_INFO(ref typed);
                    device.VFIO_DEVICE_GET_INFO(ref typed);

                    int containerFd = container.DangerousGetFd();
                    result += IoctlCall.Invoke(group, vfio.VFIO_GROUP_SET_CONTAINER, (nint)(&containerFd));
                    return result + IoctlCall.Invoke(container, vfio.VFIO_SET_IOMMU, vfio.VFIO_TYPE1v2_IOMMU);
                }
            }
            """);
}
