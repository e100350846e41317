namespace VfioSharp.Analyzers.Tests.FileDescriptors;

/// <summary>Shapes of "fd left at 0" beyond the review's own cases.</summary>
public class TruePositiveTests
{
    [Fact]
    public Task Fd_opened_lazily_outside_any_constructor_can_be_closed_before_it_is_opened()
    {
        const string source = """
            sealed class Container
            {
                private readonly IKernel _kernel;
                private int {|#0:_fd|};

                public Container(IKernel kernel) => _kernel = kernel;

                public void Open() => _fd = _kernel.Open("/dev/vfio/vfio");

                public void Close() => _kernel.Close({|#1:_fd|});
            }
            """;
        return Vfio003.AnalyzeAsync(source, Vfio003.Diagnostic().WithLocation(0).WithLocation(1)
            .WithArguments("_fd", "constructor 'Container.Container(IKernel)' can return without assigning it"));
    }

    [Fact]
    public Task A_validity_check_on_an_fd_left_at_0_passes()
    {
        const string source = """
            sealed class Group
            {
                public int {|#0:GroupFd|};

                public bool IsOpen => {|#1:GroupFd|} >= 0;
            }
            """;
        return Vfio003.AnalyzeAsync(source, Vfio003.Diagnostic().WithLocation(0).WithLocation(1)
            .WithArguments("GroupFd", "nothing assigns it"));
    }

    [Fact]
    public Task Explicit_zero_initializer_is_still_0()
    {
        const string source = """
            sealed class Device
            {
                private int {|#0:_fd|} = 0;

                public int Fd => _fd;
            }
            """;
        return Vfio003.AnalyzeAsync(source, Vfio003.At(0).WithArguments("_fd", "nothing assigns it"));
    }

    [Fact]
    public Task Auto_properties_count_as_fd_members()
    {
        const string source = """
            using VfioSharp;

            sealed class Device
            {
                public int {|#0:Fd|} { get; set; }
                [FileDescriptor] public long {|#1:EventHandle|} { get; private set; }

                public void Release(IKernel kernel)
                {
                    kernel.Close(Fd);
                    kernel.Close((int)EventHandle);
                }
            }
            """;
        return Vfio003.AnalyzeAsync(source,
            Vfio003.At(0).WithArguments("Fd", "nothing assigns it"),
            Vfio003.At(1).WithArguments("EventHandle", "nothing assigns it"));
    }

    [Fact]
    public Task Factory_that_hands_the_instance_on_before_assigning_the_fd()
    {
        const string source = """
            using System.Collections.Generic;

            sealed class Group
            {
                private int {|#0:_fd|};

                private Group() { }

                public static Group Open(IKernel kernel, List<Group> registry, int number)
                {
                    var group = new Group();
                    registry.Add(group);
                    group._fd = kernel.Open("/dev/vfio/" + number);
                    return group;
                }

                public void Close(IKernel kernel) => kernel.Close(_fd);
            }
            """;
        return Vfio003.AnalyzeAsync(source, Vfio003.At(0)
            .WithArguments("_fd", "the Group created at line 11 is handed on at line 12 before anything assigns it"));
    }

    [Fact]
    public Task Default_struct_is_zeroed_even_when_the_field_has_a_minus_one_initializer()
    {
        const string source = """
            struct EventFd
            {
                public int Fd = -1;

                public EventFd() { }
            }

            static class Irq
            {
                public static void Release(IKernel kernel)
                {
                    var irq = default(EventFd);
                    kernel.Close({|#0:irq.Fd|});
                }
            }
            """;
        return Vfio003.AnalyzeAsync(source, Vfio003.At(0)
            .WithArguments("Fd", "the zeroed EventFd from line 12 still has it at 0 on a path to this read"));
    }

    [Fact]
    public Task New_of_a_struct_without_a_parameterless_constructor_is_zeroed()
    {
        const string source = """
            record struct DeviceFds(int Fd, int Index);

            static class Devices
            {
                public static int First() => {|#1:new DeviceFds().Fd|};

                public static int Second()
                {
                    var fds = new DeviceFds();
                    return {|#0:fds.Fd|};
                }
            }
            """;
        return Vfio003.AnalyzeAsync(source,
            Vfio003.At(0).WithArguments("Fd", "the zeroed DeviceFds from line 9 still has it at 0 on a path to this read"),
            Vfio003.At(1).WithArguments("Fd", "the zeroed DeviceFds from line 5 still has it at 0 on a path to this read"));
    }

    [Fact]
    public Task Assigned_on_one_branch_only_before_the_read()
    {
        const string source = """
            sealed class Region
            {
                public int Index;
                public int Fd;
            }

            static class Regions
            {
                public static void Map(IKernel kernel, bool mappable)
                {
                    var region = new Region { Index = 1 };
                    if (mappable)
                    {
                        region.Fd = kernel.Open("/dev/vfio/devices/vfio0");
                    }

                    kernel.Ioctl({|#0:region.Fd|}, 0x3b71);
                }
            }
            """;
        return Vfio003.AnalyzeAsync(source, Vfio003.At(0)
            .WithArguments("Fd", "the Region created at line 11 still has it at 0 on a path to this read"));
    }

    [Fact]
    public Task Kernel_struct_read_before_the_ioctl_that_fills_it()
    {
        const string source = """
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
                    kernel.Close({|#0:alloc.out_fault_fd|});
                    kernel.Ioctl(iommufd, 0x3b8e, ref alloc);
                    return alloc.out_fault_fd;
                }
            }
            """;
        return Vfio003.AnalyzeAsync(source, Vfio003.At(0)
            .WithArguments("out_fault_fd", "the zeroed iommu_fault_alloc from line 15 still has it at 0 on a path to this read"));
    }

    [Fact]
    public Task Member_declared_in_generated_code_is_reported_at_the_hand_written_read()
    {
        var test = new Infrastructure.CSharpAnalyzerVerifier<VfioSharp.Analyzers.FileDescriptors.FileDescriptorLeftAtZeroAnalyzer>.Test();
        test.TestState.Sources.Add(("/0/Bindings.g.cs", """
            // <auto-generated/>
            public sealed class vdpa_internal
            {
                public int vfio_group_fd;
            }
            """));
        test.TestState.Sources.Add(("/0/Driver.cs", """
            static class Driver
            {
                public static int GroupFd(vdpa_internal internals) => {|#0:internals.vfio_group_fd|};
            }
            """));
        test.TestState.Sources.Add(("/0/Support.cs", Vfio003.SupportFile));
        test.ExpectedDiagnostics.Add(Vfio003.At(0).WithArguments("vfio_group_fd", "nothing assigns it"));
        return test.RunAsync(CancellationToken.None);
    }

    // A helper that throws only sometimes returns on the other paths: the constructor can return
    // without assigning the fd.
    [Fact]
    public Task Constructor_whose_other_path_calls_a_helper_that_can_return()
        => Vfio003.AnalyzeAsync("""
            sealed class Device
            {
                private readonly int {|#0:_fd|};

                public Device(IKernel kernel, bool present)
                {
                    if (present)
                    {
                        _fd = kernel.Open("/dev/vfio/devices/vfio0");
                    }
                    else
                    {
                        Check(present);
                    }
                }

                public int Fd => {|#1:_fd|};

                private static void Check(bool ok)
                {
                    if (!ok)
                    {
                        throw new System.InvalidOperationException("no device");
                    }
                }
            }
            """,
            Vfio003.Diagnostic().WithLocation(0).WithLocation(1)
                .WithArguments("_fd", "constructor 'Device.Device(IKernel, bool)' can return without assigning it"));
}
