namespace VfioSharp.Analyzers.Tests.FileDescriptors;

/// <summary>The fd bugs of the review (seed/review.txt), in C#.</summary>
public class ReviewFindingTests
{
    [Fact]
    public Task Patch7_getter_returns_an_fd_that_nothing_assigns()
    {
        // ifc vdpa: the "-1" initialization and the only assignment were removed, the getter
        // still returns the field: 0 from the zeroed allocation, a "valid" fd.
        const string source = """
            sealed class IfcVdpaInternal
            {
                public int {|#0:vfio_group_fd|};

                public int GetVfioGroupFd() => {|#1:vfio_group_fd|};
            }
            """;
        return Vfio003.AnalyzeAsync(source,
            Vfio003.Diagnostic().WithLocation(0).WithLocation(1).WithArguments("vfio_group_fd", "nothing assigns it"));
    }

    [Fact]
    public Task Patch8_teardown_unbinds_a_group_that_nothing_assigns()
    {
        // nfp vdpa: the same staging issue for vfio_group_fd, plus iommu_group never assigned, so
        // teardown unbinds group 0. A group number is not an fd, but 0 is just as valid a group:
        // the bindings mark such members with [FileDescriptor] so the rule sees them.
        const string source = """
            using VfioSharp;

            sealed class NfpVdpaDev
            {
                public int vfio_container_fd;
                public int {|#0:vfio_group_fd|};
                [FileDescriptor] public int {|#1:iommu_group|};

                public NfpVdpaDev(IKernel kernel)
                {
                    vfio_container_fd = kernel.Open("/dev/vfio/vfio");
                }
            }

            static class NfpVdpa
            {
                public static int GetVfioGroupFd(NfpVdpaDev device) => {|#2:device.vfio_group_fd|};

                public static void Teardown(IKernel kernel, NfpVdpaDev device)
                    => kernel.ContainerGroupUnbind(device.vfio_container_fd, {|#3:device.iommu_group|});
            }
            """;
        return Vfio003.AnalyzeAsync(source,
            Vfio003.Diagnostic().WithLocation(0).WithLocation(2).WithArguments("vfio_group_fd", "nothing assigns it"),
            Vfio003.Diagnostic().WithLocation(1).WithLocation(3).WithArguments("iommu_group", "nothing assigns it"));
    }

    [Fact]
    public Task Object_initializer_without_the_fd_then_an_error_path_closes_it()
    {
        const string source = """
            sealed class VdpaDevice
            {
                public string Name = "";
                public int GroupId;
                public int DeviceFd;
            }

            static class VdpaProbe
            {
                public static VdpaDevice? Open(IKernel kernel, string name, int group)
                {
                    var device = {|#1:new VdpaDevice { Name = name, GroupId = group }|};
                    if (kernel.Ioctl(0, 1) < 0)
                    {
                        kernel.Close({|#0:device.DeviceFd|});
                        return null;
                    }

                    device.DeviceFd = kernel.Open(name);
                    return device;
                }
            }
            """;
        return Vfio003.AnalyzeAsync(source,
            Vfio003.Diagnostic().WithLocation(0).WithLocation(1)
                .WithArguments("DeviceFd", "the VdpaDevice created at line 12 still has it at 0 on a path to this read"));
    }

    [Fact]
    public Task Catch_block_closes_an_fd_that_the_try_block_had_not_assigned_yet()
    {
        const string source = """
            sealed class VdpaDevice
            {
                public string Name = "";
                public int DeviceFd;
            }

            static class VdpaProbe
            {
                public static VdpaDevice Open(IKernel kernel, string name)
                {
                    var device = {|#1:new VdpaDevice { Name = name }|};
                    try
                    {
                        device.DeviceFd = kernel.Open(name);
                        kernel.Ioctl(device.DeviceFd, 1);
                    }
                    catch
                    {
                        kernel.Close({|#0:device.DeviceFd|});
                        throw;
                    }

                    return device;
                }
            }
            """;
        return Vfio003.AnalyzeAsync(source, Vfio003.Diagnostic().WithLocation(0).WithLocation(1).WithArguments(
            "DeviceFd", "the VdpaDevice created at line 11 still has it at 0 on a path to this read"));
    }

    [Fact]
    public Task Constructor_that_returns_early_leaves_the_fd_at_0()
    {
        const string source = """
            sealed class VfioDevice : System.IDisposable
            {
                private readonly IKernel _kernel;
                private readonly int {|#0:_deviceFd|};

                public VfioDevice(IKernel kernel, string path, bool probeOnly)
                {
                    _kernel = kernel;
                    if (probeOnly)
                    {
                        return;
                    }

                    _deviceFd = kernel.Open(path);
                }

                public void Dispose() => _kernel.Close({|#1:_deviceFd|});
            }
            """;
        return Vfio003.AnalyzeAsync(source, Vfio003.Diagnostic().WithLocation(0).WithLocation(1).WithArguments(
            "_deviceFd", "constructor 'VfioDevice.VfioDevice(IKernel, string, bool)' can return without assigning it"));
    }
}
