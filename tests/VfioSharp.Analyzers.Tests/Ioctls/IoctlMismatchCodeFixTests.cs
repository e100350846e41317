using Microsoft.CodeAnalysis.Testing;
using Verify = VfioSharp.Analyzers.Tests.Ioctls.IoctlRuleFixVerifier<
    VfioSharp.Analyzers.Ioctls.IoctlMismatchAnalyzer,
    VfioSharp.Analyzers.CodeFixes.Ioctls.TypedIoctlCallCodeFix>;

namespace VfioSharp.Analyzers.Tests.Ioctls;

/// <summary>The VFIO004 fix: the typed call that takes what the raw call passes, one at a time and all at once.</summary>
public sealed class IoctlMismatchCodeFixTests
{
    private static DiagnosticResult At(int markup) => IoctlRuleVerifier<VfioSharp.Analyzers.Ioctls.IoctlMismatchAnalyzer>.Diagnostic(markup);

    [Fact]
    public Task A_value_for_a_pointer_request_becomes_the_typed_call()
        => Verify.VerifyFixAsync(
            IoctlRuleVerifier<VfioSharp.Analyzers.Ioctls.IoctlMismatchAnalyzer>.Usings + """
            static class Setup
            {
                public static long Attach(GroupHandle group, int containerFd)
                {
                    var result = IoctlCall.Invoke(group, vfio.VFIO_GROUP_SET_CONTAINER, {|#0:containerFd|});
                    return result;
                }
            }
            """,
            IoctlRuleVerifier<VfioSharp.Analyzers.Ioctls.IoctlMismatchAnalyzer>.Usings + """
            static class Setup
            {
                public static long Attach(GroupHandle group, int containerFd)
                {
                    var result = group.TryVFIO_GROUP_SET_CONTAINER(containerFd);
                    return result;
                }
            }
            """,
            At(0));

    [Fact]
    public Task A_pointer_for_a_value_request_becomes_the_typed_call_with_the_value()
        => Verify.VerifyFixAsync(
            IoctlRuleVerifier<VfioSharp.Analyzers.Ioctls.IoctlMismatchAnalyzer>.Usings + """
            static unsafe class Setup
            {
                public static long SetIommu(ContainerHandle container)
                {
                    int type = vfio.VFIO_TYPE1v2_IOMMU;
                    return IoctlCall.Invoke(container, vfio.VFIO_SET_IOMMU, {|#0:(nint)(&type)|});
                }
            }
            """,
            IoctlRuleVerifier<VfioSharp.Analyzers.Ioctls.IoctlMismatchAnalyzer>.Usings + """
            static unsafe class Setup
            {
                public static long SetIommu(ContainerHandle container)
                {
                    int type = vfio.VFIO_TYPE1v2_IOMMU;
                    return container.TryVFIO_SET_IOMMU(type);
                }
            }
            """,
            At(0));

    [Fact]
    public Task A_shared_number_on_the_other_kind_becomes_the_request_that_fits()
        => Verify.VerifyFixAsync(
            IoctlRuleVerifier<VfioSharp.Analyzers.Ioctls.IoctlMismatchAnalyzer>.Usings + """
            static unsafe class Reset
            {
                public static long Info(DeviceHandle device)
                {
                    var info = new vfio_pci_hot_reset_info { argsz = (uint)sizeof(vfio_pci_hot_reset_info) };
                    return IoctlCall.Invoke({|#0:device|}, vfio.VFIO_IOMMU_GET_INFO, {|#1:(nint)(&info)|});
                }
            }
            """,
            IoctlRuleVerifier<VfioSharp.Analyzers.Ioctls.IoctlMismatchAnalyzer>.Usings + """
            static unsafe class Reset
            {
                public static long Info(DeviceHandle device)
                {
                    var info = new vfio_pci_hot_reset_info { argsz = (uint)sizeof(vfio_pci_hot_reset_info) };
                    return device.TryVFIO_DEVICE_GET_PCI_HOT_RESET_INFO(ref info);
                }
            }
            """,
            At(0),
            At(1));

    [Fact]
    public Task Fix_all_rewrites_every_call_and_imports_the_typed_calls_once()
        => Verify.VerifyFixAsync(
            """
            using VfioSharp.Handles;
            using VfioSharp.Ioctls;

            static unsafe class Setup
            {
                public static long Attach(GroupHandle group, ContainerHandle container, int containerFd)
                {
                    int type = VfioSharp.Uapi.vfio.VFIO_TYPE1v2_IOMMU;
                    return IoctlCall.Invoke(group, VfioSharp.Uapi.vfio.VFIO_GROUP_SET_CONTAINER, {|#0:containerFd|})
                        + IoctlCall.Invoke(container, VfioSharp.Uapi.vfio.VFIO_SET_IOMMU, {|#1:(nint)(&type)|});
                }
            }
            """,
            """
            using VfioSharp.Handles;
            using VfioSharp.Ioctls;
            using VfioSharp.Uapi;

            static unsafe class Setup
            {
                public static long Attach(GroupHandle group, ContainerHandle container, int containerFd)
                {
                    int type = VfioSharp.Uapi.vfio.VFIO_TYPE1v2_IOMMU;
                    return group.TryVFIO_GROUP_SET_CONTAINER(containerFd)
                        + container.TryVFIO_SET_IOMMU(type);
                }
            }
            """,
            At(0),
            At(1));

    [Fact]
    public Task A_record_of_another_type_or_an_int_fd_gets_no_fix()
        => Verify.VerifyNoFixAsync(
            IoctlRuleVerifier<VfioSharp.Analyzers.Ioctls.IoctlMismatchAnalyzer>.Usings + """
            static unsafe class Spapr
            {
                public static long Unmap(ContainerHandle container, IKernel kernel, int groupFd, vfio_iommu_type1_dma_map map)
                {
                    int containerFd = container.DangerousGetFd();
                    return IoctlCall.Invoke(container, vfio.VFIO_IOMMU_UNMAP_DMA, {|#0:(nint)(&map)|})
                        + kernel.Ioctl(groupFd, vfio.VFIO_GROUP_SET_CONTAINER, {|#1:containerFd|});
                }
            }
            """,
            At(0),
            At(1));
}
