using VfioSharp.Handles;
using VfioSharp.Kernel;
using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.Tests.Iommufd;
using VfioSharp.Uapi;

namespace VfioSharp.Simulation.Tests.Cdev;

/// <summary>Device cdevs on their good paths: open, bind, attach (through an automatic HWPT), DMA through the IOAS, detach, close.</summary>
public sealed class CdevTests
{
    private static readonly byte[] Pattern = [0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4];

    [Fact]
    public void Bind_gives_a_device_id_and_opens_the_device_ioctls()
    {
        using var machine = new CdevMachine();
        using var device = machine.OpenCdev();
        var info = new vfio_device_info();
        Assert.Equal(-LinuxErrnoNumbers.EINVAL, device.TryVFIO_DEVICE_GET_INFO(ref info));
        Assert.Equal(0, machine.Bind(device, out var deviceId));
        Assert.Equal(1u, deviceId);
        Assert.Equal(0, device.TryVFIO_DEVICE_GET_INFO(ref info));
        Assert.NotEqual(0u, info.flags & (uint)vfio.VFIO_DEVICE_FLAGS_PCI);
    }

    [Fact]
    public void Attach_to_an_ioas_writes_back_the_id_of_the_hwpt_it_made()
    {
        using var machine = new CdevMachine();
        var ioas = machine.AllocateIoas();
        var (device, deviceId, hwpt) = machine.Attached(ioas);
        using (device)
        {
            Assert.NotEqual(ioas, hwpt);
            Assert.NotEqual(deviceId, hwpt);

            // Attaching to the HWPT by its id, or to the IOAS again, keeps the same page table.
            var again = hwpt;
            Assert.Equal(0, CdevMachine.Attach(device, ref again));
            Assert.Equal(hwpt, again);
            again = ioas;
            Assert.Equal(0, CdevMachine.Attach(device, ref again));
            Assert.Equal(hwpt, again);
        }
    }

    [Fact]
    public unsafe void Device_dma_goes_through_the_ioas_page_table()
    {
        using var machine = new CdevMachine();
        var ioas = machine.AllocateIoas();
        var buffer = machine.Buffer(0x1000);
        Assert.Equal(0, machine.Map(ioas, buffer, 0x1000, 0x200000));
        var (device, _, _) = machine.Attached(ioas);
        using (device)
        {
            // Attaching pinned the mapping.
            Assert.Equal(0x1000UL, machine.Kernel.LockedBytes);

            Assert.True(machine.Device.Write(0x200010, Pattern));
            Assert.Equal(Pattern, new ReadOnlySpan<byte>((byte*)buffer + 0x10, Pattern.Length).ToArray());

            Span<byte> read = stackalloc byte[Pattern.Length];
            Assert.True(machine.Device.Read(0x200010, read));
            Assert.Equal(Pattern, read.ToArray());

            // An IOVA nothing maps faults and does not land.
            Assert.False(machine.Device.Write(0x300000, Pattern));
            Assert.Contains(machine.Kernel.IommuFaults, fault => fault.Address == 0x300000 && fault.Write);
        }
    }

    [Fact]
    public void A_read_only_mapping_refuses_device_writes()
    {
        using var machine = new CdevMachine();
        var ioas = machine.AllocateIoas();
        const uint fixedRead = (uint)(iommufd_ioas_map_flags.IOMMU_IOAS_MAP_FIXED_IOVA | iommufd_ioas_map_flags.IOMMU_IOAS_MAP_READABLE);
        Assert.Equal(0, machine.Map(ioas, machine.Buffer(0x1000), 0x1000, 0x200000, fixedRead));
        var (device, _, _) = machine.Attached(ioas);
        using (device)
        {
            Assert.False(machine.Device.Write(0x200000, Pattern));
            Span<byte> read = stackalloc byte[8];
            Assert.True(machine.Device.Read(0x200000, read));
        }
    }

    [Fact]
    public void Detach_stops_dma_frees_the_hwpt_and_unpins()
    {
        using var machine = new CdevMachine();
        var ioas = machine.AllocateIoas();
        Assert.Equal(0, machine.Map(ioas, machine.Buffer(0x1000), 0x1000, 0x200000));
        var (device, _, hwpt) = machine.Attached(ioas);
        using (device)
        {
            Assert.Equal(-LinuxErrnoNumbers.EBUSY, machine.Destroy(ioas));
            Assert.Equal(0, CdevMachine.Detach(device));
            Assert.False(machine.Device.Write(0x200000, Pattern));
            Assert.Equal(0UL, machine.Kernel.LockedBytes);
            Assert.Equal(-LinuxErrnoNumbers.ENOENT, machine.Destroy(hwpt));

            // Without a device the IOAS is back to byte alignment and the whole space.
            var (ranges, alignment) = machine.IovaRanges(ioas);
            Assert.Equal([(0UL, ulong.MaxValue)], ranges);
            Assert.Equal(1UL, alignment);
            Assert.Equal(0, machine.Destroy(ioas));
        }
    }

    [Fact]
    public void A_second_attach_replaces_the_page_table()
    {
        using var machine = new CdevMachine();
        var first = machine.AllocateIoas();
        var second = machine.AllocateIoas();
        Assert.Equal(0, machine.Map(first, machine.Buffer(0x1000), 0x1000, 0x100000));
        Assert.Equal(0, machine.Map(second, machine.Buffer(0x1000), 0x1000, 0x200000));
        var (device, _, firstHwpt) = machine.Attached(first);
        using (device)
        {
            var ptId = second;
            Assert.Equal(0, CdevMachine.Attach(device, ref ptId));
            Assert.NotEqual(firstHwpt, ptId);
            Assert.True(machine.Device.Write(0x200000, Pattern));
            Assert.False(machine.Device.Write(0x100000, Pattern));

            // The first IOAS lost its HWPT with its last device: it can go.
            Assert.Equal(0, machine.Destroy(first));
            Assert.Equal(0x1000UL, machine.Kernel.LockedBytes);
        }
    }

    [Fact]
    public void Closing_the_device_unbinds_it_and_frees_the_group_path()
    {
        using var machine = new CdevMachine();
        var ioas = machine.AllocateIoas();
        Assert.Equal(0, machine.Map(ioas, machine.Buffer(0x1000), 0x1000, 0x200000));
        var (device, deviceId, _) = machine.Attached(ioas);
        Assert.Equal(-LinuxErrnoNumbers.EBUSY, machine.Kernel.Open("/dev/vfio/5", OpenFlags.ReadWrite));
        device.Dispose();

        Assert.Equal(0UL, machine.Kernel.LockedBytes);
        Assert.Equal(-LinuxErrnoNumbers.ENOENT, machine.Destroy(deviceId));
        Assert.Equal(0, machine.Destroy(ioas));
        var group = machine.Kernel.Open("/dev/vfio/5", OpenFlags.ReadWrite);
        Assert.True(group >= 0);
        Assert.Equal(0, machine.Kernel.Close(group));
    }

    [Fact]
    public void A_bound_device_keeps_a_closed_iommufd_alive_until_it_closes()
    {
        var machine = new CdevMachine();
        var ioas = machine.AllocateIoas();
        var buffer = machine.Buffer(0x1000);
        Assert.Equal(0, machine.Map(ioas, buffer, 0x1000, 0x200000));
        var (device, _, _) = machine.Attached(ioas);
        machine.Dispose();

        // The device's DMA still goes through the IOAS: iommufd_ctx_get holds the file.
        Assert.True(machine.Device.Write(0x200000, Pattern));
        Assert.Equal(1, machine.Kernel.IommuMappingCount);
        device.Dispose();
        Assert.Equal(0, machine.Kernel.IommuMappingCount);
        Assert.Equal(0UL, machine.Kernel.LockedBytes);
        Assert.Equal(0, machine.Kernel.Munmap(buffer, 0x1000));
        Assert.Empty(machine.Kernel.OpenDescriptors);
    }

    [Fact]
    public void An_unbound_cdev_refuses_read_write_and_mmap()
    {
        using var machine = new CdevMachine();
        using var device = machine.OpenCdev();
        var fd = device.DangerousGetFd();
        Span<byte> bytes = stackalloc byte[4];
        Assert.Equal(-LinuxErrnoNumbers.EINVAL, machine.Kernel.PRead(fd, bytes, 7L << 40));
        Assert.Equal(-LinuxErrnoNumbers.EINVAL, machine.Kernel.PWrite(fd, bytes, 7L << 40));
        Assert.Equal(-LinuxErrnoNumbers.EINVAL, (long)machine.Kernel.Mmap(0, 4096, MemoryProtection.Read, MapFlags.Shared, fd, 0));
        Assert.Equal(0, machine.Bind(device, out _));
        Assert.Equal(4, machine.Kernel.PRead(fd, bytes, 7L << 40));
    }

    [Fact]
    public void Maps_after_attach_are_pinned_at_once_and_unpinned_at_unmap()
    {
        using var machine = new CdevMachine();
        var ioas = machine.AllocateIoas();
        var (device, _, _) = machine.Attached(ioas);
        using (device)
        {
            Assert.Equal(0, machine.Map(ioas, machine.Buffer(0x4000), 0x4000, 0x400000));
            Assert.Equal(0x4000UL, machine.Kernel.LockedBytes);
            Assert.True(machine.Device.Write(0x403ff8, Pattern));
            Assert.Equal(0, machine.Unmap(ioas, 0x400000, 0x4000, out _));
            Assert.Equal(0UL, machine.Kernel.LockedBytes);
        }
    }

    [Fact]
    public void The_cdev_exists_only_where_the_kernel_has_cdevs()
    {
        foreach (var profile in new[] { SimulatedKernelProfile.DebianStock, SimulatedKernelProfile.Linux61 })
        {
            var kernel = new SimulatedKernel(new SimulatedKernelOptions { Profile = profile });
            kernel.AddPciDevice(new DmaProbeDevice(), CdevMachine.Address, 5);
            Assert.Equal(-LinuxErrnoNumbers.ENOENT, kernel.Open(CdevMachine.CdevPath, OpenFlags.ReadWrite));
        }
    }

    [Fact]
    public void A_linux7_no_iommu_cdev_binds_to_a_real_iommufd_and_attaches_to_an_ioas()
    {
        var kernel = new SimulatedKernel(new SimulatedKernelOptions { Profile = SimulatedKernelProfile.Linux7, Iommu = false, EnableUnsafeNoIommuMode = true });
        kernel.AddPciDevice(new DmaProbeDevice(), CdevMachine.Address, 5);
        using var iommufd = new IommufdHandle(kernel, kernel.Open("/dev/iommu", OpenFlags.ReadWrite));
        using var device = new DeviceHandle(kernel, kernel.Open("/dev/vfio/devices/noiommu-vfio0", OpenFlags.ReadWrite));
        Assert.False(device.IsInvalid);

        // As Linux 7.3 answered (tests/kernel/README.md): -1 is EINVAL, a real iommufd gives devid 1, attach works.
        var bind = new vfio_device_bind_iommufd { iommufd = -1 };
        Assert.Equal(-LinuxErrnoNumbers.EINVAL, device.TryVFIO_DEVICE_BIND_IOMMUFD(ref bind));
        Assert.Equal(0, CdevMachine.Bind(device, iommufd, out var deviceId));
        Assert.Equal(1u, deviceId);
        var ioas = CdevMachine.AllocateIoas(iommufd);
        var ptId = ioas;
        Assert.Equal(0, CdevMachine.Attach(device, ref ptId));

        // 7.3 wrote back a new object's id (IOAS 2 → pt_id 3).
        Assert.Equal(ioas + 1, ptId);
        var destroy = new iommu_destroy { id = ioas };
        Assert.Equal(-LinuxErrnoNumbers.EBUSY, iommufd.TryIOMMU_DESTROY(ref destroy));
        Assert.Equal(0, CdevMachine.Detach(device));
        Assert.Equal(0, iommufd.TryIOMMU_DESTROY(ref destroy));
        var info = new vfio_device_info();
        Assert.Equal(0, device.TryVFIO_DEVICE_GET_INFO(ref info));
    }

    [Fact]
    public void Two_devices_of_one_group_share_the_ioas_hwpt_but_not_two_iommufds()
    {
        var kernel = new SimulatedKernel(new SimulatedKernelOptions { Profile = SimulatedKernelProfile.Linux617 });
        kernel.AddPciDevice(new DmaProbeDevice(), "0000:00:01.0", 7);
        kernel.AddPciDevice(new DmaProbeDevice(), "0000:00:02.0", 7);
        using var iommufd = new IommufdHandle(kernel, kernel.Open("/dev/iommu", OpenFlags.ReadWrite));
        using var other = new IommufdHandle(kernel, kernel.Open("/dev/iommu", OpenFlags.ReadWrite));
        using var first = new DeviceHandle(kernel, kernel.Open("/dev/vfio/devices/vfio0", OpenFlags.ReadWrite));
        using var second = new DeviceHandle(kernel, kernel.Open("/dev/vfio/devices/vfio1", OpenFlags.ReadWrite));
        Assert.Equal(0, CdevMachine.Bind(first, iommufd, out _));

        // The group's DMA belongs to one iommufd (iommu_device_claim_dma_owner).
        Assert.Equal(-LinuxErrnoNumbers.EBUSY, CdevMachine.Bind(second, other, out _));
        Assert.Equal(0, CdevMachine.Bind(second, iommufd, out _));

        var ioas = CdevMachine.AllocateIoas(iommufd);
        uint firstPt = ioas, secondPt = ioas;
        Assert.Equal(0, CdevMachine.Attach(first, ref firstPt));
        Assert.Equal(0, CdevMachine.Attach(second, ref secondPt));
        Assert.Equal(firstPt, secondPt);
    }
}
