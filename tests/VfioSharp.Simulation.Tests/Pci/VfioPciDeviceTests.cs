using System.Buffers.Binary;
using VfioSharp.Kernel;
using VfioSharp.Simulation.Core;
using VfioSharp.Uapi;

namespace VfioSharp.Simulation.Tests.Pci;

/// <summary>The vfio-pci device fd over edu: info, region info and its capability chain, config space as vfio-pci virtualizes it, interrupts, mmap.</summary>
public sealed unsafe class VfioPciDeviceTests
{
    [Fact]
    public void Device_info_says_pci_without_reset_nine_regions_five_interrupt_indexes()
    {
        using var m = new EduMachine();
        var info = new vfio_device_info();
        Assert.Equal(0, m.Device.TryVFIO_DEVICE_GET_INFO(ref info));
        Assert.Equal((uint)vfio.VFIO_DEVICE_FLAGS_PCI, info.flags);
        Assert.Equal(9u, info.num_regions);
        Assert.Equal(5u, info.num_irqs);
    }

    [Fact]
    public void Bar0_is_one_MiB_mmap_able_except_its_register_page_and_grows_argsz_for_the_sparse_capability()
    {
        using var m = new EduMachine();
        var info = m.RegionInfo(0, out var result);
        Assert.Equal(0, result);
        Assert.Equal(1UL << 20, info.size);
        Assert.Equal(0UL, info.offset);
        Assert.Equal((uint)(vfio.VFIO_REGION_INFO_FLAG_READ | vfio.VFIO_REGION_INFO_FLAG_WRITE | vfio.VFIO_REGION_INFO_FLAG_MMAP | vfio.VFIO_REGION_INFO_FLAG_CAPS), info.flags);
        Assert.Equal(0u, info.cap_offset);
        Assert.Equal(64u, info.argsz);

        var buffer = new byte[64];
        fixed (byte* pointer = buffer)
        {
            // SAFETY: the buffer is argsz bytes long and pinned for the call.
            *(vfio_region_info*)pointer = new vfio_region_info { argsz = 64, index = 0 };
            Assert.Equal(0, m.Kernel.Ioctl(m.Fd, vfio.VFIO_DEVICE_GET_REGION_INFO, (nint)pointer));
        }

        Assert.Equal(32u, BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(12)));
        Assert.Equal((ushort)vfio.VFIO_REGION_INFO_CAP_SPARSE_MMAP, BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(32)));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(36)));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(40)));
        Assert.Equal(0x1000UL, BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(48)));
        Assert.Equal(0xff000UL, BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(56)));
    }

    [Fact]
    public void Config_region_is_256_bytes_at_index_7_and_shows_edu_through_pread()
    {
        using var m = new EduMachine();
        var info = m.RegionInfo(vfio.VFIO_PCI_CONFIG_REGION_INDEX, out _);
        Assert.Equal(256UL, info.size);
        Assert.Equal(7UL << 40, info.offset);
        Assert.Equal(0x11e81234u, m.Read32(0, EduMachine.Config));
        Assert.Equal(0x00ff0010u, m.Read32(8, EduMachine.Config));
        Assert.Equal(0x40, m.ConfigWord(0x34) & 0xff);
        Assert.Equal(0x0010, m.ConfigWord(0x06) & 0x0010);
        Assert.Equal(0x05, m.ConfigWord(0x40) & 0xff);
        Assert.Equal(1, m.ConfigWord(0x3c) >> 8);
    }

    [Fact]
    public void Bar_sizing_through_the_virtual_config_reads_back_the_size_mask_and_leaves_the_device_alone()
    {
        using var m = new EduMachine();
        var original = m.Read32(0x10, EduMachine.Config);
        m.Write32(0x10, 0xffffffff, EduMachine.Config);
        Assert.Equal(0xfff00000u, m.Read32(0x10, EduMachine.Config));
        m.Write32(0x14, 0xffffffff, EduMachine.Config);
        Assert.Equal(0u, m.Read32(0x14, EduMachine.Config));
        m.Write32(0x10, original, EduMachine.Config);
        Assert.Equal(original, m.Read32(0x10, EduMachine.Config));
        Assert.Equal(0x010000edu, m.Read32(0));
    }

    [Fact]
    public void Msi_enable_in_config_space_sticks_only_while_set_irqs_has_msi_enabled()
    {
        using var m = new EduMachine();
        m.Write32(0x40, 0x00810005, EduMachine.Config);
        Assert.Equal(0, m.ConfigWord(0x42) & 1);
        Assert.False(m.Edu.MsiEnabled);

        Assert.Equal(0, m.Trigger(vfio.VFIO_PCI_MSI_IRQ_INDEX, m.EventFd()));
        Assert.True(m.Edu.MsiEnabled);
        m.Write32(0x40, 0x00810005, EduMachine.Config);
        Assert.Equal(1, m.ConfigWord(0x42) & 1);

        Assert.Equal(0, m.SetIrqs(vfio.VFIO_IRQ_SET_DATA_NONE | vfio.VFIO_IRQ_SET_ACTION_TRIGGER, vfio.VFIO_PCI_MSI_IRQ_INDEX, 0, 0));
        Assert.False(m.Edu.MsiEnabled);
    }

    [Fact]
    public void Interrupt_info_counts_intx_msi_and_req_for_edu()
    {
        using var m = new EduMachine();
        uint[] expected = [1, 1, 0, 0, 1];
        foreach (var index in new uint[] { 0, 1, 2, 4 })
        {
            var info = new vfio_irq_info { index = index };
            Assert.Equal(0, m.Device.TryVFIO_DEVICE_GET_IRQ_INFO(ref info));
            Assert.Equal(expected[index], info.count);
            var flags = index == 0 ? vfio.VFIO_IRQ_INFO_EVENTFD | vfio.VFIO_IRQ_INFO_MASKABLE | vfio.VFIO_IRQ_INFO_AUTOMASKED : vfio.VFIO_IRQ_INFO_EVENTFD | vfio.VFIO_IRQ_INFO_NORESIZE;
            Assert.Equal((uint)flags, info.flags);
        }
    }

    [Fact]
    public void Msi_count_is_fixed_while_enabled_and_loopback_signals_the_vector()
    {
        using var m = new EduMachine();
        var first = m.EventFd();
        Assert.Equal(0, m.Trigger(vfio.VFIO_PCI_MSI_IRQ_INDEX, first));
        Assert.Equal(0, m.SetIrqs(vfio.VFIO_IRQ_SET_DATA_NONE | vfio.VFIO_IRQ_SET_ACTION_TRIGGER, vfio.VFIO_PCI_MSI_IRQ_INDEX, 0, 1));
        Assert.Equal(1UL, m.Drain(first));

        // Replacing the vector's eventfd works in place; INTx can't be enabled beside MSI.
        var second = m.EventFd();
        Assert.Equal(0, m.Trigger(vfio.VFIO_PCI_MSI_IRQ_INDEX, second));
        Assert.Equal(-22, m.Trigger(vfio.VFIO_PCI_INTX_IRQ_INDEX, m.EventFd()));
        Assert.Equal(0, m.SetIrqs(vfio.VFIO_IRQ_SET_DATA_BOOL | vfio.VFIO_IRQ_SET_ACTION_TRIGGER, vfio.VFIO_PCI_MSI_IRQ_INDEX, 0, 1, [1]));
        Assert.Equal(0UL, m.Drain(first));
        Assert.Equal(1UL, m.Drain(second));
    }

    [Fact]
    public void Disabling_msi_when_it_is_not_enabled_is_einval_as_in_the_kernel()
    {
        using var m = new EduMachine();
        Assert.Equal(-22, m.SetIrqs(vfio.VFIO_IRQ_SET_DATA_NONE | vfio.VFIO_IRQ_SET_ACTION_TRIGGER, vfio.VFIO_PCI_MSI_IRQ_INDEX, 0, 0));
        Assert.Equal(-22, m.SetIrqs(vfio.VFIO_IRQ_SET_DATA_NONE | vfio.VFIO_IRQ_SET_ACTION_TRIGGER, vfio.VFIO_PCI_INTX_IRQ_INDEX, 0, 0));
    }

    [Fact]
    public void Req_trigger_can_be_set_looped_back_and_cleared_with_fd_minus_one()
    {
        using var m = new EduMachine();
        var req = m.EventFd();
        Assert.Equal(0, m.Trigger(vfio.VFIO_PCI_REQ_IRQ_INDEX, req));
        Assert.Equal(0, m.SetIrqs(vfio.VFIO_IRQ_SET_DATA_NONE | vfio.VFIO_IRQ_SET_ACTION_TRIGGER, vfio.VFIO_PCI_REQ_IRQ_INDEX, 0, 1));
        Assert.Equal(1UL, m.Drain(req));
        Assert.Equal(0, m.Trigger(vfio.VFIO_PCI_REQ_IRQ_INDEX, -1));
        Assert.Equal(-22, m.SetIrqs(vfio.VFIO_IRQ_SET_DATA_NONE | vfio.VFIO_IRQ_SET_ACTION_TRIGGER, vfio.VFIO_PCI_REQ_IRQ_INDEX, 0, 0));
        Assert.Equal(-22, m.Trigger(vfio.VFIO_PCI_REQ_IRQ_INDEX, -2));
    }

    [Fact]
    public void Mmap_of_the_area_is_the_memory_pread_sees_and_the_register_page_cannot_be_mapped()
    {
        using var m = new EduMachine();
        Assert.Equal(-22, (long)m.Kernel.Mmap(0, 4096, MemoryProtection.Read | MemoryProtection.Write, MapFlags.Shared, m.Fd, 0));
        Assert.Equal(-22, (long)m.Kernel.Mmap(0, 0x2000, MemoryProtection.Read | MemoryProtection.Write, MapFlags.Shared, m.Fd, 0));

        var mapped = m.Kernel.Mmap(0, 0x2000, MemoryProtection.Read | MemoryProtection.Write, MapFlags.Shared, m.Fd, 0x40000);
        Assert.True(mapped > 0, $"mmap failed: {mapped}");

        // SAFETY: the simulated mmap returned 0x2000 bytes of the BAR's memory area.
        var view = new Span<byte>((void*)mapped, 0x2000);
        Assert.Equal(0xff, view[0]);
        BinaryPrimitives.WriteUInt32LittleEndian(view[0x10..], 0xcafef00d);
        Assert.Equal(0xcafef00du, m.Read32(0x40010));
        m.Write32(0x41000, 0x12345678);
        Assert.Equal(0x12345678u, BinaryPrimitives.ReadUInt32LittleEndian(view[0x1000..]));
        Assert.Equal(0, m.Kernel.Munmap(mapped, 0x2000));
    }

    [Fact]
    public void Read_and_write_follow_the_file_position()
    {
        using var m = new EduMachine();
        Span<byte> value = stackalloc byte[4];
        Assert.Equal(4, m.Kernel.Read(m.Fd, value));
        Assert.Equal(0x010000edu, BinaryPrimitives.ReadUInt32LittleEndian(value));
        BinaryPrimitives.WriteUInt32LittleEndian(value, 0x0f0f0f0f);
        Assert.Equal(4, m.Kernel.Write(m.Fd, value));
        Assert.Equal(0xf0f0f0f0u, m.Read32(4));
    }

    [Fact]
    public void Closing_the_last_device_fd_turns_interrupts_and_bus_mastering_off()
    {
        var m = new EduMachine();
        m.SetCommand(0x0006);
        Assert.Equal(0, m.Trigger(vfio.VFIO_PCI_MSI_IRQ_INDEX, m.EventFd()));
        Assert.True(m.Edu.BusMaster);
        m.Device.Dispose();
        Assert.False(m.Edu.BusMaster);
        Assert.False(m.Edu.MsiEnabled);
        Assert.True(m.Edu.MemoryDecode);
        m.Dispose();
    }

    // Linux 7.3 removed vfio-pci's pci_is_pcie() check for the ERR index (the real-kernel suite saw count 1
    // on edu under 7.3.4): the Linux7 profile offers ERR to conventional PCI, 6.17 refuses it (misuse table).
    [Theory]
    [InlineData(SimulatedKernelProfile.Linux617, -22L, 0u)]
    [InlineData(SimulatedKernelProfile.Linux7, 0L, 1u)]
    public void The_err_interrupt_of_a_conventional_pci_device_follows_the_kernel_version(SimulatedKernelProfile profile, long expected, uint count)
    {
        using var m = new EduMachine(options: new SimulatedKernelOptions { Profile = profile });
        var info = new vfio_irq_info { argsz = 16, index = vfio.VFIO_PCI_ERR_IRQ_INDEX };
        Assert.Equal(expected, m.Device.TryVFIO_DEVICE_GET_IRQ_INFO(ref info));
        Assert.Equal(count, info.count);
        Assert.Equal(expected, (long)m.Trigger(vfio.VFIO_PCI_ERR_IRQ_INDEX, m.EventFd()));
    }
}
