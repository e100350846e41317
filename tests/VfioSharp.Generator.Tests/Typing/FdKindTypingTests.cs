using Microsoft.CodeAnalysis;
using VfioSharp.Generator.Tests.Infrastructure;
using VfioSharp.Scanner.Tests.Infrastructure;

namespace VfioSharp.Generator.Tests.Typing;

/// <summary>A call on the wrong fd kind, or with the wrong argument, must not compile.</summary>
public sealed class FdKindTypingTests
{
    private const string Usings = "using VfioSharp.Handles; using VfioSharp.Kernel; using Test.Uapi;\n";

    [Fact]
    public void The_right_call_compiles()
    {
        var errors = Errors("""
            static class Driver
            {
                static void Use(DeviceHandle device, ContainerHandle container, GroupHandle group)
                {
                    var info = new vfio_device_info();
                    device.VFIO_DEVICE_GET_INFO(ref info);
                    var iommu = new vfio_iommu_type1_info();
                    container.VFIO_IOMMU_GET_INFO(ref iommu);
                    var hotReset = new vfio_pci_hot_reset_info();
                    device.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO(ref hotReset);
                    using var opened = group.VFIO_GROUP_GET_DEVICE_FD("0000:00:01.0");
                    long version = container.VFIO_GET_API_VERSION();
                    using var reply = device.VFIO_DEVICE_GET_INFO(new vfio_device_info());
                    foreach (var capability in reply.Capabilities()) { _ = capability.Id; }
                    var region = new vfio_region_info { index = 0 };
                    device.VFIO_DEVICE_GET_REGION_INFO(ref region, setSize: false);
                }
            }
            """);

        Assert.Empty(errors);
    }

    [Fact]
    public void A_device_ioctl_on_a_group_fd_does_not_compile()
    {
        var errors = Errors("""
            static class Driver
            {
                static void Use(GroupHandle group)
                {
                    var info = new vfio_device_info();
                    group.VFIO_DEVICE_GET_INFO(ref info);
                }
            }
            """);

        Assert.Contains(errors, e => e.Id == "CS1929");
    }

    [Fact]
    public void Two_ioctls_that_share_a_request_number_are_told_apart_by_fd_kind()
    {
        // VFIO_IOMMU_GET_INFO and VFIO_DEVICE_GET_PCI_HOT_RESET_INFO are both 0x3B70.
        Assert.Equal(
            GeneratedBindings.Get(HeaderSets.Linux617).Model.Ioctls.Single(i => i.Name == "VFIO_IOMMU_GET_INFO").Request,
            GeneratedBindings.Get(HeaderSets.Linux617).Model.Ioctls.Single(i => i.Name == "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO").Request);

        var errors = Errors("""
            static class Driver
            {
                static void Use(DeviceHandle device)
                {
                    var iommu = new vfio_iommu_type1_info();
                    device.VFIO_IOMMU_GET_INFO(ref iommu);
                }
            }
            """);

        Assert.Contains(errors, e => e.Id == "CS1929");
    }

    [Fact]
    public void The_wrong_argument_record_does_not_compile()
    {
        // DPDK's sPAPR unmap passed the map struct: here that is a type error.
        var errors = Errors("""
            static class Driver
            {
                static void Use(ContainerHandle container)
                {
                    var map = new vfio_iommu_type1_dma_map();
                    container.VFIO_IOMMU_UNMAP_DMA(ref map);
                }
            }
            """);

        Assert.Contains(errors, e => e.Id is "CS1503" or "CS1620");
    }

    private static List<Diagnostic> Errors(string source)
    {
        var bindings = GeneratedBindings.Get(HeaderSets.Linux617);
        var compilation = GeneratedBindings.Compile("Driver", bindings.Sources.Append(Usings + source));
        return compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
    }
}
