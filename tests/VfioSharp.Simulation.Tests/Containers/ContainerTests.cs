using System.Buffers.Binary;
using VfioSharp.Capabilities;
using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.Tests.Groups;
using VfioSharp.Simulation.Tests.Iommufd;
using VfioSharp.Uapi;

namespace VfioSharp.Simulation.Tests.Containers;

/// <summary>The container's good paths: extensions, GET_INFO and its capabilities, map/unmap with pinning, DMA through the domain.</summary>
public sealed unsafe class ContainerTests
{
    private const ulong Iova = 0x100000;

    [Fact]
    public void An_empty_container_reports_the_api_version_and_the_type1_extensions()
    {
        var machine = new GroupMachine();
        using var container = machine.OpenContainer();
        Assert.Equal(vfio.VFIO_API_VERSION, container.TryVFIO_GET_API_VERSION());
        Assert.Equal(1, container.TryVFIO_CHECK_EXTENSION(vfio.VFIO_TYPE1_IOMMU));
        Assert.Equal(1, container.TryVFIO_CHECK_EXTENSION(vfio.VFIO_TYPE1v2_IOMMU));
        Assert.Equal(1, container.TryVFIO_CHECK_EXTENSION(vfio.VFIO_UNMAP_ALL));
        Assert.Equal(0, container.TryVFIO_CHECK_EXTENSION(vfio.VFIO_NOIOMMU_IOMMU));

        // Only an opened type1 can update vaddrs.
        Assert.Equal(0, container.TryVFIO_CHECK_EXTENSION(vfio.VFIO_UPDATE_VADDR));
    }

    [Fact]
    public void Noiommu_is_an_extension_only_with_the_parameter_on_and_only_for_noiommu_containers()
    {
        var machine = GroupMachine.NoIommu();
        using var container = machine.OpenContainer();
        Assert.Equal(1, container.TryVFIO_CHECK_EXTENSION(vfio.VFIO_NOIOMMU_IOMMU));
        using var group = machine.OpenGroup();
        Assert.Equal(0, group.TryVFIO_GROUP_SET_CONTAINER(container.DangerousGetFd()));

        // A container holding a no-IOMMU group asks the no-IOMMU driver alone.
        Assert.Equal(0, container.TryVFIO_CHECK_EXTENSION(vfio.VFIO_TYPE1v2_IOMMU));
        Assert.Equal(1, container.TryVFIO_CHECK_EXTENSION(vfio.VFIO_NOIOMMU_IOMMU));
        Assert.Equal(0, container.TryVFIO_SET_IOMMU(vfio.VFIO_NOIOMMU_IOMMU));
        Assert.Equal(0, container.TryVFIO_CHECK_EXTENSION(vfio.VFIO_TYPE1v2_IOMMU));
    }

    [Fact]
    public void Debian_kernels_have_no_noiommu_driver()
    {
        var machine = new GroupMachine(new SimulatedKernelOptions { Profile = SimulatedKernelProfile.DebianStock, EnableUnsafeNoIommuMode = true });
        using var container = machine.OpenContainer();
        Assert.Equal(0, container.TryVFIO_CHECK_EXTENSION(vfio.VFIO_NOIOMMU_IOMMU));
    }

    [Fact]
    public void Set_iommu_without_interrupt_remapping_is_EPERM_and_leaves_the_container_unset()
    {
        var machine = new GroupMachine(new SimulatedKernelOptions { Profile = SimulatedKernelProfile.Linux617, InterruptRemapping = false });
        var (container, group) = machine.Joined(iommuType: 0);
        using (container)
        using (group)
        {
            Assert.Equal(-LinuxErrnoNumbers.EPERM, container.TryVFIO_SET_IOMMU(vfio.VFIO_TYPE1v2_IOMMU));
            var info = new vfio_iommu_type1_info();
            Assert.Equal(-LinuxErrnoNumbers.EINVAL, container.TryVFIO_IOMMU_GET_INFO(ref info));
        }
    }

    [Fact]
    public void Noiommu_set_iommu_needs_rawio()
    {
        var machine = GroupMachine.NoIommu();
        var (container, group) = machine.Joined(iommuType: 0);
        using (container)
        using (group)
        {
            // Root joined the group; the container is then handed to code without CAP_SYS_RAWIO: not modelled, so
            // check the capable path and that a second SET_IOMMU is refused.
            Assert.Equal(0, container.TryVFIO_SET_IOMMU(vfio.VFIO_NOIOMMU_IOMMU));
            Assert.Equal(-LinuxErrnoNumbers.EINVAL, container.TryVFIO_SET_IOMMU(vfio.VFIO_NOIOMMU_IOMMU));
        }
    }

    [Theory]
    [InlineData(SimulatedKernelProfile.Linux617, 120u)]
    [InlineData(SimulatedKernelProfile.DebianStock, 120u)]
    [InlineData(SimulatedKernelProfile.Linux61, 116u)]
    public void Get_info_grows_argsz_then_returns_the_capability_chain(SimulatedKernelProfile profile, uint size)
    {
        var machine = new GroupMachine(new SimulatedKernelOptions { Profile = profile });
        var (container, group) = machine.Joined();
        using (container)
        using (group)
        {
            var info = new vfio_iommu_type1_info();
            Assert.Equal(0, container.TryVFIO_IOMMU_GET_INFO(ref info));
            Assert.Equal(size, info.argsz);
            Assert.Equal(0u, info.cap_offset);
            Assert.Equal(0x40201000UL, info.iova_pgsizes);

            Assert.Equal(0, container.TryVFIO_IOMMU_GET_INFO(default, out var reply));
            using (reply)
            {
                Assert.Equal(24u, reply.Value.cap_offset);
                var ids = new List<ushort>();
                foreach (var capability in reply.Capabilities())
                {
                    ids.Add(capability.Id);
                }

                Assert.Equal(
                    [(ushort)vfio.VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION, (ushort)vfio.VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, (ushort)vfio.VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE],
                    ids);

                Assert.True(reply.Capabilities().TryFind((ushort)vfio.VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, out var ranges));
                var bytes = ranges.Bytes;
                Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]));
                Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]));
                Assert.Equal(0xfedfffffUL, BinaryPrimitives.ReadUInt64LittleEndian(bytes[24..]));
                Assert.Equal(0xfef00000UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes[32..]));
                Assert.Equal((1UL << 48) - 1, BinaryPrimitives.ReadUInt64LittleEndian(bytes[40..]));

                Assert.True(reply.Capabilities().TryFind((ushort)vfio.VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION, out var migration));
                Assert.Equal(4096UL, BinaryPrimitives.ReadUInt64LittleEndian(migration.Bytes[16..]));
            }
        }
    }

    [Fact]
    public void Get_info_with_only_the_first_16_bytes_leaves_cap_offset_alone()
    {
        var machine = new GroupMachine();
        var (container, group) = machine.Joined();
        using (container)
        using (group)
        {
            var info = new vfio_iommu_type1_info { argsz = 16, cap_offset = 0xabcd };
            Assert.Equal(0, container.TryVFIO_IOMMU_GET_INFO(ref info, setSize: false));
            Assert.Equal(120u, info.argsz);
            Assert.Equal(0xabcdu, info.cap_offset);
        }
    }

    [Fact]
    public void Dma_avail_counts_down_with_mappings()
    {
        var machine = new GroupMachine(new SimulatedKernelOptions { Profile = SimulatedKernelProfile.Linux617, DmaEntryLimit = 10 });
        var (container, group) = machine.Joined();
        using (container)
        using (group)
        {
            Assert.Equal(10u, DmaAvail(container));
            Assert.Equal(0, GroupMachine.Map(container, machine.Buffer(0x1000), Iova, 0x1000));
            Assert.Equal(9u, DmaAvail(container));
        }
    }

    [Fact]
    public void Mappings_pin_memory_and_unmapping_unpins_it()
    {
        var machine = new GroupMachine();
        var (container, group) = machine.Joined();
        using (container)
        using (group)
        {
            var buffer = machine.Buffer(0x3000);
            Assert.Equal(0, GroupMachine.Map(container, buffer, Iova, 0x2000));
            Assert.Equal(0, GroupMachine.Map(container, buffer + 0x2000, 0x400000, 0x1000, (uint)vfio.VFIO_DMA_MAP_FLAG_READ));
            Assert.Equal(2, machine.Kernel.IommuMappingCount);
            Assert.Equal(0x3000UL, machine.Kernel.LockedBytes);

            Assert.Equal(0, GroupMachine.Unmap(container, Iova, 0x2000, out var unmapped));
            Assert.Equal(0x2000UL, unmapped);
            Assert.Equal(0x1000UL, machine.Kernel.LockedBytes);

            Assert.Equal(0, GroupMachine.Unmap(container, 0, 0, out unmapped, (uint)vfio.VFIO_DMA_UNMAP_FLAG_ALL));
            Assert.Equal(0x1000UL, unmapped);
            Assert.Equal(0, machine.Kernel.IommuMappingCount);
            Assert.Equal(0UL, machine.Kernel.LockedBytes);
        }
    }

    [Fact]
    public void Device_dma_goes_through_the_container_and_faults_outside_its_mappings()
    {
        var machine = new GroupMachine();
        var (container, group) = machine.Joined();
        using (container)
        using (group)
        using (var device = GroupMachine.OpenDevice(group))
        {
            machine.EnableBusMaster(device);
            var buffer = machine.Buffer(0x1000);
            Assert.Equal(0, GroupMachine.Map(container, buffer, Iova, 0x1000));
            Assert.True(machine.Device.Write(Iova + 0x10, [1, 2, 3, 4]));

            // SAFETY: buffer is a live 4 KiB mapping of the simulated process.
            Assert.Equal([1, 2, 3, 4], new ReadOnlySpan<byte>((byte*)buffer + 0x10, 4).ToArray());

            Assert.False(machine.Device.Write(Iova + 0x1000, [9]));
            var fault = Assert.Single(machine.Kernel.IommuFaults);
            Assert.Equal(Iova + 0x1000, fault.Address);
            Assert.True(fault.Write);
        }
    }

    [Fact]
    public void A_read_only_mapping_takes_device_reads_and_faults_device_writes()
    {
        var machine = new GroupMachine();
        var (container, group) = machine.Joined();
        using (container)
        using (group)
        using (var device = GroupMachine.OpenDevice(group))
        {
            machine.EnableBusMaster(device);
            var buffer = machine.Buffer(0x1000);

            // SAFETY: buffer is a live 4 KiB mapping of the simulated process.
            *(byte*)buffer = 0x77;
            Assert.Equal(0, GroupMachine.Map(container, buffer, Iova, 0x1000, (uint)vfio.VFIO_DMA_MAP_FLAG_READ));
            var read = new byte[1];
            Assert.True(machine.Device.Read(Iova, read));
            Assert.Equal(0x77, read[0]);
            Assert.False(machine.Device.Write(Iova, [1]));
        }
    }

    [Fact]
    public void Vaddr_can_be_invalidated_and_replaced()
    {
        var machine = new GroupMachine();
        var (container, group) = machine.Joined();
        using (container)
        using (group)
        {
            Assert.Equal(1, container.TryVFIO_CHECK_EXTENSION(vfio.VFIO_UPDATE_VADDR));
            var buffer = machine.Buffer(0x1000);
            Assert.Equal(0, GroupMachine.Map(container, buffer, Iova, 0x1000));
            Assert.Equal(0, GroupMachine.Unmap(container, Iova, 0x1000, out var invalidated, (uint)vfio.VFIO_DMA_UNMAP_FLAG_VADDR));
            Assert.Equal(0x1000UL, invalidated);
            Assert.Equal(1, machine.Kernel.IommuMappingCount);

            // Invalidating twice is EINVAL; replacing works once.
            Assert.Equal(-LinuxErrnoNumbers.EINVAL, GroupMachine.Unmap(container, Iova, 0x1000, out _, (uint)vfio.VFIO_DMA_UNMAP_FLAG_VADDR));
            Assert.Equal(0, GroupMachine.Map(container, buffer, Iova, 0x1000, (uint)vfio.VFIO_DMA_MAP_FLAG_VADDR));
            Assert.Equal(-LinuxErrnoNumbers.EINVAL, GroupMachine.Map(container, buffer, Iova, 0x1000, (uint)vfio.VFIO_DMA_MAP_FLAG_VADDR));
        }
    }

    [Fact]
    public void Overflowing_maps_and_unmaps_are_EOVERFLOW_on_linux_7()
    {
        var machine = new GroupMachine(new SimulatedKernelOptions { Profile = SimulatedKernelProfile.Linux7 });
        var (container, group) = machine.Joined();
        using (container)
        using (group)
        {
            // Overflow is checked before alignment there.
            Assert.Equal(-LinuxErrnoNumbers.EOVERFLOW, GroupMachine.Map(container, machine.Buffer(0x2000), 0xffff_ffff_ffff_f800, 0x2000));
            Assert.Equal(-LinuxErrnoNumbers.EOVERFLOW, GroupMachine.Unmap(container, 0xffff_ffff_ffff_f000, 0x2000, out _));
        }
    }

    [Fact]
    public void Memory_unmapped_by_the_process_lives_while_the_iommu_maps_it()
    {
        var machine = new GroupMachine();
        var (container, group) = machine.Joined();
        using (container)
        using (group)
        using (var device = GroupMachine.OpenDevice(group))
        {
            machine.EnableBusMaster(device);
            var buffer = machine.Buffer(0x1000);
            Assert.Equal(0, GroupMachine.Map(container, buffer, Iova, 0x1000));
            Assert.Equal(0, machine.Kernel.Munmap(buffer, 0x1000));
            Assert.Equal(0, machine.Kernel.MemoryMappingCount);
            Assert.Equal(1, machine.Kernel.RetainedUnmappedMemoryCount);

            // The pinned page still takes the device's DMA; the process can no longer pin it for a new mapping.
            Assert.True(machine.Device.Write(Iova, [1]));
            Assert.Equal(-LinuxErrnoNumbers.EFAULT, GroupMachine.Map(container, buffer, 0x200000, 0x1000));

            Assert.Equal(0, GroupMachine.Unmap(container, Iova, 0x1000, out _));
            Assert.Equal(0, machine.Kernel.RetainedUnmappedMemoryCount);
        }
    }

    [Fact]
    public void Dirty_pages_report_every_mapped_page_once_tracking_started()
    {
        var machine = new GroupMachine();
        var (container, group) = machine.Joined();
        using (container)
        using (group)
        {
            var buffer = machine.Buffer(0x3000);
            Assert.Equal(0, GroupMachine.Map(container, buffer, Iova + 0x1000, 0x2000));
            var words = new ulong[1];
            fixed (ulong* bits = words)
            {
                // Not started: GET_BITMAP (and an unmap that asks for the bitmap) is EINVAL.
                Assert.Equal(-LinuxErrnoNumbers.EINVAL, GetBitmap(container, Iova, 0x4000, bits));
                Assert.Equal(0, DirtyPages(container, vfio.VFIO_IOMMU_DIRTY_PAGES_FLAG_START));

                // Two flags at once, a range bisecting a mapping, a page size other than 4 KiB.
                Assert.Equal(-LinuxErrnoNumbers.EINVAL, DirtyPages(container, vfio.VFIO_IOMMU_DIRTY_PAGES_FLAG_START | vfio.VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP));
                Assert.Equal(-LinuxErrnoNumbers.EINVAL, GetBitmap(container, Iova + 0x2000, 0x2000, bits));
                Assert.Equal(-LinuxErrnoNumbers.EINVAL, GetBitmap(container, Iova, 0x4000, bits, pageSize: 0x200000));

                Assert.Equal(0, GetBitmap(container, Iova, 0x4000, bits));
                Assert.Equal(0b0110UL, words[0]);

                words[0] = 0;
                var unmap = stackalloc byte[48];
                new Span<byte>(unmap, 48).Clear();
                *(vfio_iommu_type1_dma_unmap*)unmap = new vfio_iommu_type1_dma_unmap { argsz = 48, flags = (uint)vfio.VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP, iova = Iova + 0x1000, size = 0x2000 };
                *(vfio_bitmap*)(unmap + 24) = new vfio_bitmap { pgsize = 4096, size = 8, data = (nint)bits };
                Assert.Equal(0, machine.Kernel.Ioctl(container.DangerousGetFd(), vfio.VFIO_IOMMU_UNMAP_DMA, (nint)unmap));
                Assert.Equal(0b11UL, words[0]);
                Assert.Equal(0, machine.Kernel.IommuMappingCount);
            }
        }
    }

    [Fact]
    public void Dirty_pages_need_type1v2()
    {
        var machine = new GroupMachine();
        var (container, group) = machine.Joined(vfio.VFIO_TYPE1_IOMMU);
        using (container)
        using (group)
        {
            Assert.Equal(-13, DirtyPages(container, vfio.VFIO_IOMMU_DIRTY_PAGES_FLAG_START));
        }
    }

    private static long DirtyPages(VfioSharp.Handles.ContainerHandle container, int flags)
    {
        var dirty = new vfio_iommu_type1_dirty_bitmap { argsz = 8, flags = (uint)flags };
        return container.TryVFIO_IOMMU_DIRTY_PAGES(ref dirty, setSize: false);
    }

    private static long GetBitmap(VfioSharp.Handles.ContainerHandle container, ulong iova, ulong size, ulong* bits, ulong pageSize = 4096)
    {
        var request = stackalloc byte[48];
        *(vfio_iommu_type1_dirty_bitmap*)request = new vfio_iommu_type1_dirty_bitmap { argsz = 48, flags = (uint)vfio.VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP };
        *(vfio_iommu_type1_dirty_bitmap_get*)(request + 8) = new vfio_iommu_type1_dirty_bitmap_get
        {
            iova = iova,
            size = size,
            bitmap = new vfio_bitmap { pgsize = pageSize, size = 8, data = (nint)bits },
        };
        return container.TryVFIO_IOMMU_DIRTY_PAGES(ref *(vfio_iommu_type1_dirty_bitmap*)request, setSize: false);
    }

    private static uint DmaAvail(VfioSharp.Handles.ContainerHandle container)
    {
        Assert.Equal(0, container.TryVFIO_IOMMU_GET_INFO(default, out var reply));
        using (reply)
        {
            Assert.True(reply.Capabilities().TryFind((ushort)vfio.VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, out var avail));
            return BinaryPrimitives.ReadUInt32LittleEndian(avail.Bytes[8..]);
        }
    }
}
