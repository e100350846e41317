using VfioSharp.Containers;
using VfioSharp.Dma;
using VfioSharp.Groups;
using VfioSharp.Lifecycle;
using VfioSharp.Runtime.Tests.Infrastructure;
using VfioSharp.Simulation.Core;

namespace VfioSharp.Runtime.Tests.Groups;

/// <summary>
/// Groups join and leave containers; when the last group leaves, Linux drops the container's IOMMU and every
/// mapping (vfio_group_detach_container → the IOMMU driver's release): the container goes back to Empty,
/// keeps its list and maps it again when a group joins.
/// </summary>
public sealed class ContainerMembershipTests
{
    [Theory]
    [MemberData(nameof(SimulatedMachine.GroupVariants), MemberType = typeof(SimulatedMachine))]
    public void The_last_group_leaving_empties_the_container_and_the_next_join_replays_its_mappings(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        using (var vfio = machine.Open())
        {
            var container = vfio.CreateContainer();
            var group = VfioGroup.Open(vfio, 5);
            group.SetContainer(container);
            using var first = DmaBuffer.Allocate(machine.Kernel, 4096);
            using var second = DmaBuffer.Allocate(machine.Kernel, 8192);
            var kept = container.Map(first);
            var dropped = container.Map(second);
            var expected = machine.NoIommu ? 0 : 2;
            Assert.Equal(expected, machine.Kernel.IommuMappingCount);

            group.Dispose();
            Assert.Equal(ContainerState.Empty, container.State);
            Assert.Equal(0, machine.Kernel.IommuMappingCount);
            Assert.Equal(0UL, machine.Kernel.LockedBytes);
            Assert.Equal(2, container.Mappings.Count);
            Assert.Throws<InvalidStateException>(() => container.Map(first));

            // Unmapped while Empty: gone from the list, nothing to tell the kernel, never replayed.
            container.Unmap(dropped);

            using var again = VfioGroup.Open(vfio, 5);
            again.SetContainer(container);
            Assert.Equal(ContainerState.Ready, container.State);
            Assert.Equal([kept], container.Mappings);
            Assert.Equal(machine.NoIommu ? 0 : 1, machine.Kernel.IommuMappingCount);
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.GroupVariants), MemberType = typeof(SimulatedMachine))]
    public void Releasing_the_last_device_opened_through_the_runtime_empties_the_default_container_and_reopening_replays(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        using (var vfio = machine.Open())
        {
            var device = vfio.OpenDevice(SimulatedMachine.Edu);
            using var buffer = DmaBuffer.Allocate(machine.Kernel, 4096);
            var mapping = vfio.DefaultContainer.Map(buffer);

            device.Dispose();
            Assert.Equal(ContainerState.Empty, vfio.DefaultContainer.State);

            var reopened = vfio.OpenDevice(SimulatedMachine.Edu);
            Assert.Equal(ContainerState.Ready, vfio.DefaultContainer.State);
            Assert.Equal([mapping], vfio.DefaultContainer.Mappings);
            Assert.Equal(machine.NoIommu ? 0 : 1, machine.Kernel.IommuMappingCount);
            reopened.EnableBusMaster();
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.GroupVariants), MemberType = typeof(SimulatedMachine))]
    public void A_second_group_joins_a_ready_container_without_a_replay(string variant)
    {
        var secondAddress = VfioSharp.Pci.PciAddress.Parse("0000:00:02.0");
        using var machine = SimulatedMachine.Build(variant, populate: kernel => kernel.AddPciDevice(SimulatedMachine.NewEdu(!kernel.Options.Iommu), secondAddress.ToString(), iommuGroup: 6));
        using (var vfio = machine.Open())
        {
            var first = vfio.OpenDevice(SimulatedMachine.Edu);
            using var buffer = DmaBuffer.Allocate(machine.Kernel, 4096);
            _ = vfio.DefaultContainer.Map(buffer);
            var second = vfio.OpenDevice(secondAddress);
            Assert.Equal(machine.NoIommu ? 0 : 1, machine.Kernel.IommuMappingCount);

            // One group leaves, one stays: the mappings stay.
            first.Dispose();
            Assert.Equal(ContainerState.Ready, vfio.DefaultContainer.State);
            Assert.Equal(machine.NoIommu ? 0 : 1, machine.Kernel.IommuMappingCount);
            second.Dispose();
            Assert.Equal(ContainerState.Empty, vfio.DefaultContainer.State);
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.GroupVariants), MemberType = typeof(SimulatedMachine))]
    public void Group_lifecycle_errors_name_the_missing_step(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        using (var vfio = machine.Open())
        {
            var group = VfioGroup.Open(vfio, 5);
            var early = Assert.Throws<InvalidStateException>(() => group.OpenDevice(SimulatedMachine.Edu));
            Assert.Equal("Open", early.State);
            Assert.Equal("VfioGroup.SetContainer", early.MissingStep);
            Assert.Contains("IOMMU group 5", early.Message, StringComparison.Ordinal);

            group.SetContainer(vfio.DefaultContainer);
            var twice = Assert.Throws<InvalidStateException>(() => group.SetContainer(vfio.DefaultContainer));
            Assert.Equal("InContainer", twice.State);

            group.Dispose();
            var late = Assert.Throws<InvalidStateException>(() => group.OpenDevice(SimulatedMachine.Edu));
            Assert.Equal("Released", late.State);
            Assert.Throws<InvalidStateException>(() => group.Number);
            Assert.Equal(GroupState.Released, group.State);
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.GroupVariants), MemberType = typeof(SimulatedMachine))]
    public void A_group_node_this_user_may_not_open_is_named_with_what_to_change(string variant)
    {
        using var machine = SimulatedMachine.Build(variant, configure: options => new SimulatedKernelOptions
        {
            Profile = options.Profile,
            Iommu = options.Iommu,
            EnableUnsafeNoIommuMode = options.EnableUnsafeNoIommuMode,
            DeviceNodeAccess = false,
        });
        using (var vfio = machine.Open())
        {
            var refused = Assert.Throws<VfioException>(() => vfio.OpenDevice(SimulatedMachine.Edu));
            Assert.Equal("EACCES", refused.Errno!.Value.Name);
            var node = machine.NoIommu ? "/dev/vfio/noiommu-5" : "/dev/vfio/5";
            Assert.Contains(node, refused.Message, StringComparison.Ordinal);
            Assert.Contains("root", refused.Message, StringComparison.Ordinal);
            Assert.Contains("chown", refused.Message, StringComparison.Ordinal);
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.CdevVariants), MemberType = typeof(SimulatedMachine))]
    public void In_cdev_modes_the_iommufd_node_is_named_when_it_is_refused(string variant)
    {
        using var machine = SimulatedMachine.Build(variant, configure: options => new SimulatedKernelOptions
        {
            Profile = options.Profile,
            Iommu = options.Iommu,
            EnableUnsafeNoIommuMode = options.EnableUnsafeNoIommuMode,
            DeviceNodeAccess = false,
        });
        using (var vfio = machine.Open())
        {
            var refused = Assert.Throws<VfioException>(() => vfio.OpenDevice(SimulatedMachine.Edu));
            Assert.Equal("EACCES", refused.Errno!.Value.Name);
            Assert.Contains("/dev/iommu", refused.Message, StringComparison.Ordinal);
        }

        machine.AssertNothingLeft();
    }
}
