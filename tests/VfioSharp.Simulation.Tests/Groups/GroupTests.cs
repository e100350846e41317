using VfioSharp.Handles;
using VfioSharp.Kernel;
using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.Tests.Cdev;
using VfioSharp.Simulation.Tests.Iommufd;
using VfioSharp.Uapi;

namespace VfioSharp.Simulation.Tests.Groups;

/// <summary>Groups on their good paths, and the lifetimes Linux's reference counting gives groups, containers and device fds.</summary>
public sealed class GroupTests
{
    private const ulong Iova = 0x100000;
    private const uint Viable = (uint)vfio.VFIO_GROUP_FLAGS_VIABLE;
    private const uint ContainerSet = (uint)vfio.VFIO_GROUP_FLAGS_CONTAINER_SET;

    [Fact]
    public void Status_follows_the_container()
    {
        var machine = new GroupMachine();
        using var container = machine.OpenContainer();
        using var group = machine.OpenGroup();
        Assert.Equal(Viable, GroupMachine.Status(group));
        Assert.Equal(0, group.TryVFIO_GROUP_SET_CONTAINER(container.DangerousGetFd()));
        Assert.Equal(Viable | ContainerSet, GroupMachine.Status(group));
        Assert.Equal(0, group.TryVFIO_GROUP_UNSET_CONTAINER());
        Assert.Equal(Viable, GroupMachine.Status(group));
    }

    [Fact]
    public void A_group_with_a_device_on_a_host_driver_is_not_viable()
    {
        var machine = new GroupMachine();
        machine.Kernel.AddPciDevice(new DmaProbeDevice(), "0000:00:01.1", GroupMachine.Group, driver: "e1000e");
        var (container, group) = (machine.OpenContainer(), machine.OpenGroup());
        using (container)
        using (group)
        {
            Assert.Equal(0u, GroupMachine.Status(group));
            Assert.Equal(-LinuxErrnoNumbers.EPERM, group.TryVFIO_GROUP_SET_CONTAINER(container.DangerousGetFd()));

            // VFIO doesn't know the other device: asking for it by name finds nothing.
            Assert.Equal(-LinuxErrnoNumbers.ENODEV, group.TryVFIO_GROUP_GET_DEVICE_FD("0000:00:01.1", out _));
        }
    }

    [Theory]
    [InlineData("pci-stub")]
    [InlineData("pcieport")]
    public void A_group_mate_on_a_driver_that_leaves_DMA_to_VFIO_keeps_the_group_viable(string driver)
    {
        var machine = new GroupMachine();
        machine.Kernel.AddPciDevice(new DmaProbeDevice(), "0000:00:01.1", GroupMachine.Group, driver: driver);
        var (container, group) = (machine.OpenContainer(), machine.OpenGroup());
        using (container)
        using (group)
        {
            Assert.Equal(Viable, GroupMachine.Status(group));
            Assert.Equal(0, group.TryVFIO_GROUP_SET_CONTAINER(container.DangerousGetFd()));
        }
    }

    [Fact]
    public void The_last_group_leaving_drops_every_mapping_and_the_iommu()
    {
        var machine = new GroupMachine();
        var (container, group) = machine.Joined();
        using (container)
        using (group)
        {
            Assert.Equal(0, GroupMachine.Map(container, machine.Buffer(0x2000), Iova, 0x2000));
            Assert.Equal(0x2000UL, machine.Kernel.LockedBytes);
            Assert.Equal(0, group.TryVFIO_GROUP_UNSET_CONTAINER());
            Assert.Equal(0, machine.Kernel.IommuMappingCount);
            Assert.Equal(0UL, machine.Kernel.LockedBytes);

            // The container is back to its first state: a group, then SET_IOMMU again.
            Assert.Equal(-LinuxErrnoNumbers.EINVAL, container.TryVFIO_SET_IOMMU(vfio.VFIO_TYPE1v2_IOMMU));
            Assert.Equal(0, group.TryVFIO_GROUP_SET_CONTAINER(container.DangerousGetFd()));
            Assert.Equal(0, container.TryVFIO_SET_IOMMU(vfio.VFIO_TYPE1_IOMMU));
            Assert.Equal(0, GroupMachine.Map(container, machine.Buffer(0x1000), Iova, 0x1000));
        }
    }

    [Fact]
    public void A_closed_container_lives_on_while_a_group_holds_it()
    {
        var machine = new GroupMachine();
        var (container, group) = machine.Joined();
        using (group)
        {
            Assert.Equal(0, GroupMachine.Map(container, machine.Buffer(0x1000), Iova, 0x1000));
            container.Dispose();
            Assert.Equal(1, machine.Kernel.IommuMappingCount);
            using (var device = GroupMachine.OpenDevice(group))
            {
                machine.EnableBusMaster(device);
                Assert.True(machine.Device.Write(Iova, [1]));
            }

            Assert.Equal(0, group.TryVFIO_GROUP_UNSET_CONTAINER());
            Assert.Equal(0, machine.Kernel.IommuMappingCount);
            Assert.Equal(0UL, machine.Kernel.LockedBytes);
        }
    }

    [Fact]
    public void Closing_the_group_releases_it_from_its_container()
    {
        var machine = new GroupMachine();
        var (container, group) = machine.Joined();
        using (container)
        {
            Assert.Equal(0, GroupMachine.Map(container, machine.Buffer(0x1000), Iova, 0x1000));
            group.Dispose();
            Assert.Equal(0, machine.Kernel.IommuMappingCount);
            var info = new vfio_iommu_type1_info();
            Assert.Equal(-LinuxErrnoNumbers.EINVAL, container.TryVFIO_IOMMU_GET_INFO(ref info));
            using var again = machine.OpenGroup();
            Assert.Equal(Viable, GroupMachine.Status(again));
        }
    }

    [Fact]
    public void Device_fds_keep_a_closed_group_open_and_in_its_container()
    {
        var machine = new GroupMachine();
        var (container, group) = machine.Joined();
        using (container)
        {
            var device = GroupMachine.OpenDevice(group);
            machine.EnableBusMaster(device);
            Assert.Equal(0, GroupMachine.Map(container, machine.Buffer(0x1000), Iova, 0x1000));
            group.Dispose();

            Assert.Equal(-LinuxErrnoNumbers.EBUSY, machine.Kernel.Open(machine.GroupPath, OpenFlags.ReadWrite));
            Assert.True(machine.Device.Write(Iova, [1]));
            Assert.Equal(1, machine.Kernel.IommuMappingCount);

            device.Dispose();
            Assert.Equal(0, machine.Kernel.IommuMappingCount);
            Assert.False(machine.Device.Write(Iova, [1]));
            using var again = machine.OpenGroup();
            Assert.DoesNotContain(machine.Kernel.OpenDescriptors, d => d.Contains("VFIO device", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Two_groups_share_one_container_and_its_domain()
    {
        var machine = new GroupMachine();
        var second = new DmaProbeDevice();
        machine.Kernel.AddPciDevice(second, "0000:00:02.0", 6);
        var (container, group) = machine.Joined();
        using (container)
        using (group)
        using (var other = machine.OpenGroup("/dev/vfio/6"))
        {
            Assert.Equal(0, GroupMachine.Map(container, machine.Buffer(0x1000), Iova, 0x1000));

            // Joining a container that has its IOMMU already attaches the group to the domain at once.
            Assert.Equal(0, other.TryVFIO_GROUP_SET_CONTAINER(container.DangerousGetFd()));
            using var device = GroupMachine.OpenDevice(other, "0000:00:02.0");
            machine.EnableBusMaster(device);
            Assert.True(second.Write(Iova, [7]));

            // The first group leaving keeps the domain for the second.
            Assert.Equal(0, group.TryVFIO_GROUP_UNSET_CONTAINER());
            Assert.Equal(1, machine.Kernel.IommuMappingCount);
        }
    }

    [Fact]
    public void A_noiommu_group_dmas_to_physical_addresses()
    {
        var machine = GroupMachine.NoIommu();
        var (container, group) = machine.Joined(vfio.VFIO_NOIOMMU_IOMMU);
        using (container)
        using (group)
        using (var device = GroupMachine.OpenDevice(group))
        {
            machine.EnableBusMaster(device);
            var buffer = machine.Buffer(0x2000);
            var pagemap = machine.Kernel.Open("/proc/self/pagemap", OpenFlags.ReadOnly);
            var entry = new byte[8];
            Assert.Equal(8, machine.Kernel.PRead(pagemap, entry, (long)((ulong)buffer / 4096 * 8)));
            var physical = (BitConverter.ToUInt64(entry) & ((1UL << 55) - 1)) * 4096;

            // Across the page boundary: the buffer's frames are contiguous.
            Assert.True(machine.Device.Write(physical + 0xffe, [1, 2, 3, 4]));
            unsafe
            {
                // SAFETY: buffer is a live 8 KiB mapping of the simulated process.
                Assert.Equal([1, 2, 3, 4], new ReadOnlySpan<byte>((byte*)buffer + 0xffe, 4).ToArray());
            }

            Assert.Equal(0, machine.Kernel.Close(pagemap));
        }
    }

    [Fact]
    public void A_group_can_use_an_iommufd_as_its_container()
    {
        var machine = new GroupMachine();
        using var iommufd = new IommufdHandle(machine.Kernel, machine.Kernel.Open("/dev/iommu", OpenFlags.ReadWrite));
        using var group = machine.OpenGroup();
        Assert.Equal(0, group.TryVFIO_GROUP_SET_CONTAINER(iommufd.DangerousGetFd()));
        Assert.Equal(Viable | ContainerSet, GroupMachine.Status(group));

        using (var device = GroupMachine.OpenDevice(group))
        {
            machine.EnableBusMaster(device);

            // VFIO's compat ioctls on the iommufd map into the compat IOAS the device is attached to.
            var map = new vfio_iommu_type1_dma_map { argsz = 32, flags = GroupMachine.ReadWrite, vaddr = (ulong)machine.Buffer(0x1000), iova = Iova, size = 0x1000 };
            unsafe
            {
#pragma warning disable VFIO004 // /dev/iommu answers the container's ioctls.
                Assert.Equal(0, machine.Kernel.Ioctl(iommufd.DangerousGetFd(), vfio.VFIO_IOMMU_MAP_DMA, (nint)(&map)));
#pragma warning restore VFIO004
            }

            Assert.True(machine.Device.Write(Iova, [1]));
        }

        Assert.Equal(0, group.TryVFIO_GROUP_UNSET_CONTAINER());
        Assert.Equal(Viable, GroupMachine.Status(group));
    }
}
