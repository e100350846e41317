namespace VfioSharp.Analyzers.Tests.FileDescriptors;

/// <summary>The VFIO003 fix, before and after, one at a time and all at once.</summary>
public class CodeFixTests
{
    [Fact]
    public Task Field_gets_a_minus_one_initializer()
        => Vfio003.FixAsync(
            """
            sealed class IfcVdpaInternal
            {
                public int {|#0:vfio_group_fd|};

                public int GetVfioGroupFd() => vfio_group_fd;
            }
            """,
            """
            sealed class IfcVdpaInternal
            {
                public int vfio_group_fd = -1;

                public int GetVfioGroupFd() => vfio_group_fd;
            }
            """,
            Vfio003.At(0));

    [Fact]
    public Task Explicit_zero_initializer_becomes_minus_one()
        => Vfio003.FixAsync(
            """
            sealed class Device
            {
                private int {|#0:_fd|} = 0;

                public int Fd => _fd;
            }
            """,
            """
            sealed class Device
            {
                private int _fd = -1;

                public int Fd => _fd;
            }
            """,
            Vfio003.At(0));

    [Fact]
    public Task Auto_property_gets_a_minus_one_initializer()
        => Vfio003.FixAsync(
            """
            using VfioSharp;

            sealed class Device
            {
                [FileDescriptor] public long {|#0:EventHandle|} { get; set; } // eventfd for INTx

                public void Release(IKernel kernel) => kernel.Close((int)EventHandle);
            }
            """,
            """
            using VfioSharp;

            sealed class Device
            {
                [FileDescriptor] public long EventHandle { get; set; } = -1; // eventfd for INTx

                public void Release(IKernel kernel) => kernel.Close((int)EventHandle);
            }
            """,
            Vfio003.At(0));

    [Fact]
    public Task Constructor_that_returns_early_is_fixed_by_the_initializer()
        => Vfio003.FixAsync(
            """
            sealed class VfioDevice
            {
                private readonly int {|#0:_deviceFd|};

                public VfioDevice(IKernel kernel, bool probeOnly)
                {
                    if (probeOnly)
                    {
                        return;
                    }

                    _deviceFd = kernel.Open("/dev/vfio/devices/vfio0");
                }

                public int Close(IKernel kernel) => kernel.Close(_deviceFd);
            }
            """,
            """
            sealed class VfioDevice
            {
                private readonly int _deviceFd = -1;

                public VfioDevice(IKernel kernel, bool probeOnly)
                {
                    if (probeOnly)
                    {
                        return;
                    }

                    _deviceFd = kernel.Open("/dev/vfio/devices/vfio0");
                }

                public int Close(IKernel kernel) => kernel.Close(_deviceFd);
            }
            """,
            Vfio003.At(0));

    [Fact]
    public Task Object_initializer_on_one_line_gets_the_fd()
        => Vfio003.FixAsync(
            """
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
                    var device = new VdpaDevice { Name = name, GroupId = group };
                    if (kernel.Ioctl(0, 1) < 0)
                    {
                        kernel.Close({|#0:device.DeviceFd|});
                        return null;
                    }

                    device.DeviceFd = kernel.Open(name);
                    return device;
                }
            }
            """,
            """
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
                    var device = new VdpaDevice { Name = name, GroupId = group, DeviceFd = -1 };
                    if (kernel.Ioctl(0, 1) < 0)
                    {
                        kernel.Close(device.DeviceFd);
                        return null;
                    }

                    device.DeviceFd = kernel.Open(name);
                    return device;
                }
            }
            """,
            Vfio003.At(0));

    [Theory]
    [InlineData(",")]
    [InlineData("")]
    public Task Object_initializer_over_several_lines_keeps_its_layout(string trailingComma)
        => Vfio003.FixAsync(
            $$"""
            sealed class VdpaDevice
            {
                public string Name = "";
                public int GroupId;
                public int DeviceFd;
            }

            static class VdpaProbe
            {
                public static void Open(IKernel kernel, string name, int group)
                {
                    var device = new VdpaDevice
                    {
                        Name = name,
                        GroupId = group{{trailingComma}}
                    };
                    kernel.Close({|#0:device.DeviceFd|});
                    device.DeviceFd = kernel.Open(name);
                }
            }
            """,
            $$"""
            sealed class VdpaDevice
            {
                public string Name = "";
                public int GroupId;
                public int DeviceFd;
            }

            static class VdpaProbe
            {
                public static void Open(IKernel kernel, string name, int group)
                {
                    var device = new VdpaDevice
                    {
                        Name = name,
                        GroupId = group,
                        DeviceFd = -1{{trailingComma}}
                    };
                    kernel.Close(device.DeviceFd);
                    device.DeviceFd = kernel.Open(name);
                }
            }
            """,
            Vfio003.At(0));

    [Fact]
    public Task Creation_without_an_initializer_gets_one()
        => Vfio003.FixAsync(
            """
            sealed class Region
            {
                public int Fd { get; set; }
            }

            static class Regions
            {
                public static int Unmap(IKernel kernel)
                {
                    Region region = new();
                    kernel.Ioctl({|#0:region.Fd|}, 0x3b72);
                    region.Fd = kernel.Open("/dev/vfio/devices/vfio0");
                    return region.Fd;
                }
            }
            """,
            """
            sealed class Region
            {
                public int Fd { get; set; }
            }

            static class Regions
            {
                public static int Unmap(IKernel kernel)
                {
                    Region region = new() { Fd = -1 };
                    kernel.Ioctl(region.Fd, 0x3b72);
                    region.Fd = kernel.Open("/dev/vfio/devices/vfio0");
                    return region.Fd;
                }
            }
            """,
            Vfio003.At(0));

    [Fact]
    public Task No_fix_where_it_would_not_compile()
    {
        // A struct without a declared constructor can't have field initializers (CS8983), and
        // `default` has no initializer to add to: the diagnostic stays, without a fix.
        const string source = """
            struct EventFd
            {
                public int {|#0:Fd|};

                public int Read(IKernel kernel) => kernel.Ioctl(Fd, 0);
            }

            static class Irq
            {
                public static int Close(IKernel kernel)
                {
                    var irq = default(EventFd);
                    return kernel.Close({|#1:irq.Fd|});
                }
            }
            """;
        return Vfio003.FixAsync(source, source, Vfio003.At(0), Vfio003.At(1));
    }

    [Fact]
    public Task Fix_all_initializes_every_field_in_every_document()
        => Vfio003.FixAsync(
            new[]
            {
                """
                sealed class NfpVdpaDev
                {
                    public int vfio_container_fd, {|#0:vfio_group_fd|}, {|#1:vfio_dev_fd|};

                    public NfpVdpaDev(IKernel kernel) => vfio_container_fd = kernel.Open("/dev/vfio/vfio");

                    public int Sum() => vfio_container_fd + vfio_group_fd + vfio_dev_fd;
                }
                """,
                """
                sealed class IfcVdpaInternal
                {
                    public int {|#2:vfio_group_fd|};
                    public int {|#3:Fd|} { get; private set; }

                    public int GetVfioGroupFd() => vfio_group_fd + Fd;
                }
                """,
            },
            new[]
            {
                """
                sealed class NfpVdpaDev
                {
                    public int vfio_container_fd, vfio_group_fd = -1, vfio_dev_fd = -1;

                    public NfpVdpaDev(IKernel kernel) => vfio_container_fd = kernel.Open("/dev/vfio/vfio");

                    public int Sum() => vfio_container_fd + vfio_group_fd + vfio_dev_fd;
                }
                """,
                """
                sealed class IfcVdpaInternal
                {
                    public int vfio_group_fd = -1;
                    public int Fd { get; private set; } = -1;

                    public int GetVfioGroupFd() => vfio_group_fd + Fd;
                }
                """,
            },
            Vfio003.At(0), Vfio003.At(1), Vfio003.At(2), Vfio003.At(3));

    [Fact]
    public Task Fix_all_mixes_declarations_and_creation_sites()
        => Vfio003.FixAsync(
            """
            sealed class Group
            {
                public int {|#0:GroupFd|};
                public int Id;

                public int Status(IKernel kernel) => kernel.Ioctl(GroupFd, 0x3b67);
            }

            struct Irq
            {
                public int EventFd;
                public int Index;

                public Irq() { }

                public void Bind(IKernel kernel) => EventFd = kernel.Open("eventfd");
            }

            static class Setup
            {
                public static int Run(IKernel kernel)
                {
                    var first = new Irq { Index = 0 };
                    var second = new Irq { Index = 1 };
                    kernel.Close({|#1:first.EventFd|});
                    return kernel.Close({|#2:second.EventFd|});
                }
            }
            """,
            """
            sealed class Group
            {
                public int GroupFd = -1;
                public int Id;

                public int Status(IKernel kernel) => kernel.Ioctl(GroupFd, 0x3b67);
            }

            struct Irq
            {
                public int EventFd;
                public int Index;

                public Irq() { }

                public void Bind(IKernel kernel) => EventFd = kernel.Open("eventfd");
            }

            static class Setup
            {
                public static int Run(IKernel kernel)
                {
                    var first = new Irq { Index = 0, EventFd = -1 };
                    var second = new Irq { Index = 1, EventFd = -1 };
                    kernel.Close(first.EventFd);
                    return kernel.Close(second.EventFd);
                }
            }
            """,
            Vfio003.At(0), Vfio003.At(1), Vfio003.At(2));

    [Fact]
    public Task Two_members_missing_from_one_initializer_take_two_fix_all_passes()
    {
        var test = new Infrastructure.CSharpCodeFixVerifier<VfioSharp.Analyzers.FileDescriptors.FileDescriptorLeftAtZeroAnalyzer, VfioSharp.Analyzers.CodeFixes.FileDescriptors.FileDescriptorInitializerCodeFix>.Test
        {
            TestCode = """
                sealed class Device
                {
                    public string Name = "";
                    public int GroupFd;
                    public int DeviceFd;

                    public void Bind(IKernel kernel) { GroupFd = kernel.Open("g"); DeviceFd = kernel.Open("d"); }
                }

                static class Probe
                {
                    public static int Run(IKernel kernel)
                    {
                        var device = new Device { Name = "edu" };
                        return kernel.Close({|#0:device.GroupFd|}) + kernel.Close({|#1:device.DeviceFd|});
                    }
                }
                """,
            FixedCode = """
                sealed class Device
                {
                    public string Name = "";
                    public int GroupFd;
                    public int DeviceFd;

                    public void Bind(IKernel kernel) { GroupFd = kernel.Open("g"); DeviceFd = kernel.Open("d"); }
                }

                static class Probe
                {
                    public static int Run(IKernel kernel)
                    {
                        var device = new Device { Name = "edu", GroupFd = -1, DeviceFd = -1 };
                        return kernel.Close(device.GroupFd) + kernel.Close(device.DeviceFd);
                    }
                }
                """,
        };
        test.TestState.Sources.Add(("/0/Support.cs", Vfio003.SupportFile));
        test.FixedState.Sources.Add(("/0/Support.cs", Vfio003.SupportFile));
        test.CodeFixTestBehaviors |= Microsoft.CodeAnalysis.Testing.CodeFixTestBehaviors.SkipLocalDiagnosticCheck;

        // Both fixes edit the same initializer, so the batch fixer keeps one per pass (a documented limit).
        test.NumberOfFixAllIterations = 2;
        test.ExpectedDiagnostics.Add(Vfio003.At(0));
        test.ExpectedDiagnostics.Add(Vfio003.At(1));
        return test.RunAsync(CancellationToken.None);
    }
}
