using Verify = VfioSharp.Analyzers.Tests.Ioctls.IoctlRuleVerifier<VfioSharp.Analyzers.Lifecycle.LifecycleOrderAnalyzer>;

namespace VfioSharp.Analyzers.Tests.Lifecycle;

/// <summary>
/// VFIO006 over the runtime's own types, read from its metadata: the declarations the runtime checks at run
/// time are the ones the analyzer checks at compile time (DMA map before the IOMMU is set, a device fd before
/// the group is in a container, attach before bind, use after release).
/// </summary>
public sealed class RuntimeDeclarationTests
{
    private const string Usings = """
        using VfioSharp;
        using VfioSharp.Containers;
        using VfioSharp.Devices;
        using VfioSharp.Dma;
        using VfioSharp.Groups;
        using VfioSharp.Pci;

        """;

    [Fact]
    public Task The_review_order_bugs_on_runtime_types_are_reported()
        => Verify.VerifyAsync(
            Usings + """
            static class Driver
            {
                public static void GroupBeforeContainer(Vfio vfio, PciAddress address)
                {
                    using var group = VfioGroup.Open(vfio, 5);
                    using var device = {|#0:group.OpenDevice(address)|};
                }

                public static void AttachBeforeBind(Vfio vfio, PciAddress address)
                {
                    using var device = VfioDevice.OpenCdev(vfio, address);
                    {|#1:device.Attach(vfio.DefaultContainer)|};
                }

                public static void UseAfterRelease(Vfio vfio, DmaBuffer buffer)
                {
                    var container = vfio.CreateContainer();
                    container.Dispose();
                    {|#2:container.Map(buffer)|};
                }
            }
            """,
            Verify.Diagnostic(0, "VfioGroup.OpenDevice", "group", "InContainer", "Open", "; call VfioGroup.SetContainer first"),
            Verify.Diagnostic(1, "VfioDevice.Attach", "device", "Bound", "Open", "; call VfioDevice.Bind first"),
            Verify.Diagnostic(2, "VfioContainer.Map", "container", "Ready", "Released", "; call VfioGroup.SetContainer first"));

    [Fact]
    public Task The_right_order_on_runtime_types_is_silent()
        => Verify.VerifyAsync(
            Usings + """
            static class Driver
            {
                public static void Setup(Vfio vfio, PciAddress address, DmaBuffer buffer)
                {
                    var container = vfio.CreateContainer();
                    using var group = VfioGroup.Open(vfio, 5);
                    group.SetContainer(container);
                    using var device = group.OpenDevice(address);
                    _ = device.GetInfo();
                    var mapping = container.Map(buffer);
                    container.Unmap(mapping);
                    container.Dispose();
                }
            }
            """);
}
