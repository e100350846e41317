using VfioSharp.Uapi;

namespace VfioSharp.KernelSuite.ErrnoParity;

/// <summary>
/// Misuse-table rows that need a machine unlike the other boots': the <c>platform</c> boot of tests/kernel (built
/// kernel) runs intel-iommu without interrupt remapping and has three edus bound to vfio-pci: edu at
/// <c>VFIOSHARP_DEVICE</c> alone in its IOMMU group, a second edu sharing its group with a virtio-rng bound to
/// virtio-pci (a host driver using the DMA API), and a third behind a PCIe expander bus that bypasses the IOMMU, so
/// vfio gives it a no-IOMMU group (<c>vfio.enable_unsafe_noiommu_mode=1</c>). /init checks that layout
/// (<c>harness.platform</c>) before the rows run. They are the simulated kernel's scenarios of the same ids.
/// </summary>
internal static class PlatformRows
{
    /// <summary>Rows of the platform boot.</summary>
    public static IReadOnlyDictionary<string, Func<GuestEnvironment, long>> All { get; } = new Dictionary<string, Func<GuestEnvironment, long>>(StringComparer.Ordinal)
    {
        // iommu_group_claim_dma_owner: virtio-pci is not driver_managed_dma, so its binding holds the group's
        // owner_cnt; the group is not viable and cannot join a container.
        ["group-set-container-not-viable"] = g => ContainerRows.On(g, m =>
        {
            using var container = GroupMachine.OpenContainer();
            using var group = m.OpenGroup(SharedGroupPath);
            var viable = (GroupMachine.Status(group) & (uint)vfio.VFIO_GROUP_FLAGS_VIABLE) != 0;
            return Reply.With(group.TryVFIO_GROUP_SET_CONTAINER(container.DangerousGetFd()), !viable, $"{SharedGroupPath} reports VFIO_GROUP_FLAGS_VIABLE");
        }),

        // vfio_container_attach_group: "Real groups and fake groups cannot mix". The no-IOMMU group joins a container
        // of its own afterwards, so the refusal is the mix, not the group (root has CAP_SYS_RAWIO).
        ["group-set-container-mix-noiommu"] = g => ContainerRows.On(g, m =>
        {
            long mixed;
            using (var container = GroupMachine.OpenContainer())
            using (var group = m.OpenGroup())
            using (var noIommuGroup = m.OpenGroup(NoIommuGroupPath))
            {
                Reply.Require(group.TryVFIO_GROUP_SET_CONTAINER(container.DangerousGetFd()), $"VFIO_GROUP_SET_CONTAINER of {m.GroupPath}");
                mixed = noIommuGroup.TryVFIO_GROUP_SET_CONTAINER(container.DangerousGetFd());
            }

            using var alone = GroupMachine.OpenContainer();
            using var noIommu = m.OpenGroup(NoIommuGroupPath);
            var joins = noIommu.TryVFIO_GROUP_SET_CONTAINER(alone.DangerousGetFd());
            return Reply.With(mixed, joins == 0, $"{NoIommuGroupPath} alone in a container gave {Reply.Name(joins)}");
        }),

        // iommufd_device_bind: without interrupt remapping the group has no isolated MSI, and
        // iommufd.allow_unsafe_interrupts is off. With the parameter on, a fresh fd binds: nothing else refused it.
        ["cdev-bind-no-interrupt-remapping"] = _ =>
        {
            long refused;
            using (var machine = new CdevMachine())
            using (var device = CdevMachine.OpenCdev())
            {
                refused = machine.Bind(device, out var _);
            }

            var allowed = UnsafeInterrupts.Allowed(() =>
            {
                using var machine = new CdevMachine();
                using var device = CdevMachine.OpenCdev();
                return machine.Bind(device, out var _);
            });
            return Reply.With(refused, allowed == 0, $"with iommufd.allow_unsafe_interrupts=1 the bind gave {Reply.Name(allowed)}");
        },
    };

    /// <summary>The group of the edu whose group-mate is bound to virtio-pci (VFIOSHARP_SHARED_GROUP).</summary>
    private static string SharedGroupPath => "/dev/vfio/" + Required("VFIOSHARP_SHARED_GROUP");

    /// <summary>The no-IOMMU group of the edu behind the bus that bypasses the IOMMU (VFIOSHARP_NOIOMMU_GROUP).</summary>
    private static string NoIommuGroupPath => "/dev/vfio/noiommu-" + Required("VFIOSHARP_NOIOMMU_GROUP");

    private static string Required(string variable)
        => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{variable} is not set: this is not the platform boot");
}
