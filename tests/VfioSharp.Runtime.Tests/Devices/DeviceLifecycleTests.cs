using VfioSharp.Containers;
using VfioSharp.Devices;
using VfioSharp.Groups;
using VfioSharp.Lifecycle;
using VfioSharp.Modes;
using VfioSharp.Runtime.Tests.Infrastructure;
using VfioSharp.Simulation.Core;

namespace VfioSharp.Runtime.Tests.Devices;

/// <summary>A device's setup, step by step and as one call, and what is left after its release.</summary>
public sealed class DeviceLifecycleTests
{
    [Theory]
    [MemberData(nameof(SimulatedMachine.Variants), MemberType = typeof(SimulatedMachine))]
    public void Releasing_a_device_closes_its_fd_and_its_group_and_the_runtime_leaves_nothing(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        using (var vfio = machine.Open())
        {
            var device = vfio.OpenDevice(SimulatedMachine.Edu);
            Assert.Equal(machine.Mode == VfioMode.NoIommuCdev ? DeviceState.Bound : DeviceState.Attached, device.State);
            Assert.Same(vfio.DefaultContainer, device.Container);
            Assert.Equal(SimulatedMachine.Edu, device.Address);
            Assert.True(device.GetInfo().IsPci);
            var opened = machine.Kernel.OpenDescriptors.Count;

            device.Dispose();

            Assert.Equal(DeviceState.Released, device.State);
            Assert.Empty(machine.DescriptorsOf("0000:00:01.0"));
            Assert.Empty(machine.DescriptorsOf("/dev/vfio/5"));
            Assert.Empty(machine.DescriptorsOf("noiommu-5"));
            Assert.True(machine.Kernel.OpenDescriptors.Count < opened);

            // Opened again after a release: the group (or cdev) can be opened again.
            var again = vfio.OpenDevice(SimulatedMachine.Edu);
            Assert.NotEqual(DeviceState.Released, again.State);
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.Variants), MemberType = typeof(SimulatedMachine))]
    public void Two_devices_of_one_IOMMU_group_share_the_group_and_its_container(string variant)
    {
        var second = VfioSharp.Pci.PciAddress.Parse("0000:00:02.0");
        using var machine = SimulatedMachine.Build(variant, populate: kernel => kernel.AddPciDevice(SimulatedMachine.NewEdu(!kernel.Options.Iommu), second.ToString(), iommuGroup: 5));
        using (var vfio = machine.Open())
        {
            var first = vfio.OpenDevice(SimulatedMachine.Edu);
            var sibling = vfio.OpenDevice(second);
            Assert.Same(first.Container, sibling.Container);
            if (machine.GroupMode)
            {
                Assert.Single(machine.DescriptorsOf(machine.NoIommu ? "/dev/vfio/noiommu-5" : "/dev/vfio/5"));
            }

            first.Dispose();
            Assert.Equal(0x1234, sibling.Read16(Uapi.vfio.VFIO_PCI_CONFIG_REGION_INDEX, 0));
            if (machine.GroupMode)
            {
                Assert.Single(machine.DescriptorsOf(machine.NoIommu ? "/dev/vfio/noiommu-5" : "/dev/vfio/5"));
            }

            sibling.Dispose();
            Assert.Empty(machine.DescriptorsOf("/dev/vfio/5"));
            Assert.Empty(machine.DescriptorsOf("noiommu-5"));
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.GroupVariants), MemberType = typeof(SimulatedMachine))]
    public void The_group_dance_step_by_step(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        using (var vfio = machine.Open())
        {
            var container = vfio.CreateContainer();
            Assert.Equal(ContainerState.Empty, container.State);
            using var group = VfioGroup.Open(vfio, 5);
            Assert.Equal(GroupState.Open, group.State);
            Assert.Equal(machine.NoIommu ? "/dev/vfio/noiommu-5" : "/dev/vfio/5", group.Path);

            group.SetContainer(container);
            Assert.Equal(GroupState.InContainer, group.State);
            Assert.Equal(ContainerState.Ready, container.State);

            using var device = group.OpenDevice(SimulatedMachine.Edu);
            Assert.Equal(DeviceState.Attached, device.State);
            Assert.Same(container, device.Container);
            Assert.Equal(0x11e8, device.Read16(Uapi.vfio.VFIO_PCI_CONFIG_REGION_INDEX, 2));
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.CdevVariants), MemberType = typeof(SimulatedMachine))]
    public void The_cdev_dance_step_by_step(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        using (var vfio = machine.Open())
        {
            var container = vfio.CreateContainer();
            Assert.Equal(ContainerState.Ready, container.State);
            Assert.Equal(machine.NoIommu, container.IoasId is null);
            using var device = VfioDevice.OpenCdev(vfio, SimulatedMachine.Edu);
            Assert.Equal(DeviceState.Open, device.State);
            Assert.Null(device.Container);

            device.Bind(container);
            Assert.Equal(DeviceState.Bound, device.State);
            Assert.Equal(0x1234, device.Read16(Uapi.vfio.VFIO_PCI_CONFIG_REGION_INDEX, 0));
            var rebind = Assert.Throws<InvalidStateException>(() => device.Bind(container));
            Assert.Equal("Bound", rebind.State);

            if (!machine.NoIommu)
            {
                device.Attach(container);
                Assert.Equal(DeviceState.Attached, device.State);
                Assert.Same(container, device.Container);
            }
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.Variants), MemberType = typeof(SimulatedMachine))]
    public void A_released_device_refuses_everything_but_State_and_Dispose(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        using var vfio = machine.Open();
        var device = vfio.OpenDevice(SimulatedMachine.Edu);
        device.Dispose();
        device.Dispose();

        Assert.Equal(DeviceState.Released, device.State);
        var error = Assert.Throws<InvalidStateException>(() => device.GetInfo());
        Assert.Equal("Released", error.State);
        Assert.Equal("GetInfo", error.Operation);
        Assert.Contains("0000:00:01.0", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidStateException>(() => device.Address);
        Assert.Throws<InvalidStateException>(() => device.Read32(0, 0));
    }

    [Fact]
    public void A_cdev_bound_to_one_container_is_not_attached_to_another()
    {
        using var machine = SimulatedMachine.Build("Cdev/Linux7");
        using (var vfio = machine.Open())
        {
            var bound = vfio.CreateContainer();
            var other = vfio.CreateContainer();
            using var device = VfioDevice.OpenCdev(vfio, SimulatedMachine.Edu);
            device.Bind(bound);

            Assert.Throws<ArgumentException>(() => device.Attach(other));
            Assert.Equal(DeviceState.Bound, device.State);
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.GroupVariants), MemberType = typeof(SimulatedMachine))]
    public void A_device_whose_group_is_in_another_container_is_refused_and_nothing_leaks(string variant)
    {
        var second = VfioSharp.Pci.PciAddress.Parse("0000:00:02.0");
        using var machine = SimulatedMachine.Build(variant, populate: kernel => kernel.AddPciDevice(SimulatedMachine.NewEdu(!kernel.Options.Iommu), second.ToString(), iommuGroup: 5));
        using (var vfio = machine.Open())
        {
            _ = vfio.OpenDevice(SimulatedMachine.Edu);
            var other = vfio.CreateContainer();

            var refused = Assert.Throws<VfioException>(() => vfio.OpenDevice(second, other));
            Assert.Contains("IOMMU group 5", refused.Message, StringComparison.Ordinal);
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.Variants), MemberType = typeof(SimulatedMachine))]
    public void A_container_of_another_runtime_is_refused(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        using (var vfio = machine.Open())
        using (var stranger = machine.Open())
        {
            Assert.Throws<ArgumentException>(() => vfio.OpenDevice(SimulatedMachine.Edu, stranger.DefaultContainer));
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.Variants), MemberType = typeof(SimulatedMachine))]
    public void A_disposed_runtime_opens_nothing(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        var vfio = machine.Open();
        vfio.Dispose();

        Assert.Throws<ObjectDisposedException>(() => vfio.OpenDevice(SimulatedMachine.Edu));
        machine.AssertNothingLeft();
    }

    [Fact]
    public void A_failed_bind_undoes_the_open_and_names_the_step()
    {
        using var machine = SimulatedMachine.Build("Cdev/Linux7", configure: options => new SimulatedKernelOptions { Profile = options.Profile, InterruptRemapping = false });
        using (var vfio = machine.Open())
        {
            var before = machine.Kernel.OpenDescriptors.Count;
            var container = vfio.DefaultContainer;
            var failed = Assert.Throws<VfioException>(() => vfio.OpenDevice(SimulatedMachine.Edu));

            Assert.Equal("EPERM", failed.Errno!.Value.Name);
            Assert.StartsWith("binding device 0000:00:01.0", failed.Step, StringComparison.Ordinal);
            Assert.Empty(machine.DescriptorsOf("vfio0"));
            Assert.Equal(ContainerState.Ready, container.State);
        }

        machine.AssertNothingLeft();
    }
}
