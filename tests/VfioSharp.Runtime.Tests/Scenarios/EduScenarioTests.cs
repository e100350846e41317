using VfioSharp.Containers;
using VfioSharp.Devices;
using VfioSharp.Dma;
using VfioSharp.Modes;
using VfioSharp.Regions;

namespace VfioSharp.Runtime.Tests.Scenarios;

/// <summary>The edu device driven through the runtime in every mode: setup, registers, interrupts, DMA, teardown.</summary>
public sealed class EduScenarioTests
{
    [Theory]
    [MemberData(nameof(SimulatedMachines.Modes), MemberType = typeof(SimulatedMachines))]
    public async Task The_edu_device_works_and_teardown_leaves_nothing(string variant)
    {
        var (kernel, edu, options) = SimulatedMachines.Build(variant);
        using (SimulatedMachines.Hold(edu))
        {
            using (var vfio = Vfio.Open(kernel, options))
            {
                Assert.Equal(options.Mode, vfio.Mode);
                var device = vfio.OpenDevice(SimulatedMachines.Edu);
                Assert.Equal(0x010000edu, device.Read32(0, 0x00));
                device.Write32(0, 0x04, 0xcafe);
                Assert.Equal(~0xcafeu, device.Read32(0, 0x04));
                Assert.Equal(0x1234, device.Read16(Uapi.vfio.VFIO_PCI_CONFIG_REGION_INDEX, 0x00));
                Assert.Equal(0x11e8, device.Read16(Uapi.vfio.VFIO_PCI_CONFIG_REGION_INDEX, 0x02));

                // MSI and DMA are both memory writes by the device: bus mastering first.
                device.EnableBusMaster();
                using var interrupts = device.EnableInterrupts(Uapi.vfio.VFIO_PCI_MSI_IRQ_INDEX, 1);
                device.Write32(0, 0x60, 0x40);
                Assert.Equal(1UL, await interrupts.Vectors[0].WaitAsync().WaitAsync(TimeSpan.FromSeconds(10)));
                device.Write32(0, 0x64, 0x40);

                using var buffer = DmaBuffer.Allocate(kernel, 8192);
                var mapping = vfio.DefaultContainer.Map(buffer);
                buffer.Span[..16].Fill(0x5a);
                device.Write64(0, 0x80, mapping.Iova);
                device.Write64(0, 0x88, 0x40000);
                device.Write64(0, 0x90, 16);
                device.Write64(0, 0x98, 1);
                Assert.Equal(0x5a5a5a5au, edu.BufferWord(0));
                vfio.DefaultContainer.Unmap(mapping);
            }

            SimulatedMachines.AssertNothingLeft(kernel);
        }
    }

    [Theory]
    [MemberData(nameof(SimulatedMachines.IommuModes), MemberType = typeof(SimulatedMachines))]
    public void IOVA_ranges_exclude_the_MSI_window_and_the_allocator_stays_inside_them(string variant)
    {
        var (kernel, edu, options) = SimulatedMachines.Build(variant);
        using (SimulatedMachines.Hold(edu))
        using (var vfio = Vfio.Open(kernel, options))
        {
            _ = vfio.OpenDevice(SimulatedMachines.Edu);
            var container = vfio.DefaultContainer;
            var ranges = container.IovaRanges;
            Assert.DoesNotContain(ranges, r => r.Contains(0xfee00000, 1));
            Assert.Contains(ranges, r => r.Contains(0x100000, 4096));
            using var buffer = DmaBuffer.Allocate(kernel, 3 << 20);
            var first = container.Map(buffer);
            using var second = DmaBuffer.Allocate(kernel, 4096);
            var next = container.Map(second);
            Assert.True(next.Iova > first.LastIova);
            Assert.All(new[] { first, next }, m => Assert.Contains(ranges, r => r.Contains(m.Iova, m.Length)));
        }
    }

    [Fact]
    public void Group_mode_asks_for_what_GET_INFO_needs_on_6_1_and_later_kernels_alike()
    {
        foreach (var variant in new[] { "Group/Linux61", "Group/DebianStock" })
        {
            var (kernel, edu, options) = SimulatedMachines.Build(variant);
            using (SimulatedMachines.Hold(edu))
            using (var vfio = Vfio.Open(kernel, options))
            {
                _ = vfio.OpenDevice(SimulatedMachines.Edu);
                Assert.Equal(2, vfio.DefaultContainer.IovaRanges.Count);
            }
        }
    }

    [Fact]
    public void The_last_group_leaving_drops_the_mappings_and_the_container_replays_them_when_one_joins()
    {
        var (kernel, edu, options) = SimulatedMachines.Build("Group/DebianStock");
        using (SimulatedMachines.Hold(edu))
        using (var vfio = Vfio.Open(kernel, options))
        {
            var container = vfio.DefaultContainer;
            var group = VfioSharp.Groups.VfioGroup.Open(vfio, 5);
            group.SetContainer(container);
            using var buffer = DmaBuffer.Allocate(kernel, 4096);
            var mapping = container.Map(buffer);
            Assert.Equal(1, kernel.IommuMappingCount);

            group.Dispose();
            Assert.Equal(ContainerState.Empty, container.State);
            Assert.Equal(0, kernel.IommuMappingCount);
            Assert.Equal([mapping], container.Mappings);

            using var again = VfioSharp.Groups.VfioGroup.Open(vfio, 5);
            again.SetContainer(container);
            Assert.Equal(ContainerState.Ready, container.State);
            Assert.Equal(1, kernel.IommuMappingCount);
        }
    }

    [Fact]
    public void No_IOMMU_modes_are_never_chosen_without_the_opt_in_and_the_parameter_is_named_when_off()
    {
        var (kernel, edu, _) = SimulatedMachines.Build("NoIommuGroup/Linux617");
        using (SimulatedMachines.Hold(edu))
        {
            var refused = Assert.Throws<VfioException>(() => Vfio.Open(kernel));
            Assert.Contains("AllowNoIommu", refused.Message, StringComparison.Ordinal);
        }

        var off = new Simulation.Core.SimulatedKernel(new Simulation.Core.SimulatedKernelOptions { Iommu = false, EnableUnsafeNoIommuMode = false });
        var failed = Assert.Throws<VfioException>(() => Vfio.Open(off, new VfioOptions { AllowNoIommu = true }));
        Assert.Contains("enable_unsafe_noiommu_mode", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_mode_is_chosen_as_DPDK_does()
    {
        Assert.Equal(VfioMode.Cdev, Chosen(new Simulation.Core.SimulatedKernelOptions { Profile = Simulation.Core.SimulatedKernelProfile.Linux7 }));
        Assert.Equal(VfioMode.Group, Chosen(new Simulation.Core.SimulatedKernelOptions { Profile = Simulation.Core.SimulatedKernelProfile.DebianStock }));
        Assert.Equal(VfioMode.Group, Chosen(new Simulation.Core.SimulatedKernelOptions { Profile = Simulation.Core.SimulatedKernelProfile.Linux61 }));
        Assert.Equal(VfioMode.NoIommuCdev, Chosen(new Simulation.Core.SimulatedKernelOptions { Iommu = false, EnableUnsafeNoIommuMode = true }, allowNoIommu: true));
        Assert.Equal(VfioMode.NoIommuGroup, Chosen(new Simulation.Core.SimulatedKernelOptions { Profile = Simulation.Core.SimulatedKernelProfile.Linux617, Iommu = false, EnableUnsafeNoIommuMode = true }, allowNoIommu: true));

        static VfioMode Chosen(Simulation.Core.SimulatedKernelOptions machine, bool allowNoIommu = false)
        {
            var kernel = new Simulation.Core.SimulatedKernel(machine);
            kernel.AddPciDevice(new Simulation.Edu.EduDevice(), "0000:00:01.0", 5);
            using var vfio = Vfio.Open(kernel, new VfioOptions { AllowNoIommu = allowNoIommu });
            return vfio.Mode;
        }
    }

    [Fact]
    public void Reset_is_refused_with_a_reason_where_the_device_has_none()
    {
        var (kernel, edu, options) = SimulatedMachines.Build("Cdev/Linux7");
        using (SimulatedMachines.Hold(edu))
        using (var vfio = Vfio.Open(kernel, options))
        {
            var device = vfio.OpenDevice(SimulatedMachines.Edu);
            Assert.False(device.GetInfo().CanReset);
            var refused = Assert.Throws<VfioException>(device.Reset);
            Assert.Contains("0000:00:01.0", refused.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_device_not_bound_to_vfio_pci_makes_its_group_not_viable_and_the_error_names_it()
    {
        var kernel = new Simulation.Core.SimulatedKernel(new Simulation.Core.SimulatedKernelOptions { Profile = Simulation.Core.SimulatedKernelProfile.DebianStock });
        kernel.AddPciDevice(new Simulation.Edu.EduDevice(), "0000:00:01.0", 5);
        kernel.AddPciDevice(new Simulation.Edu.EduDevice(), "0000:00:02.0", 5, driver: "e1000e");
        using (var vfio = Vfio.Open(kernel))
        {
            var refused = Assert.Throws<VfioException>(() => vfio.OpenDevice(SimulatedMachines.Edu));
            Assert.Contains("0000:00:02.0 (e1000e)", refused.Message, StringComparison.Ordinal);
        }

        SimulatedMachines.AssertNothingLeft(kernel);
    }

    [Fact]
    public void Region_info_reports_the_sparse_mmap_area_around_the_register_page()
    {
        var (kernel, edu, options) = SimulatedMachines.Build("Cdev/Linux7");
        using (SimulatedMachines.Hold(edu))
        using (var vfio = Vfio.Open(kernel, options))
        {
            var device = vfio.OpenDevice(SimulatedMachines.Edu);
            var bar0 = device.GetRegion(0);
            Assert.Equal(1UL << 20, bar0.Size);
            Assert.Equal([(0x1000UL, (1UL << 20) - 0x1000)], bar0.MmapAreas);
            Assert.Equal(0UL, device.GetRegion(1).Size);
            Assert.Throws<ArgumentOutOfRangeException>(() => device.Read32(0, 2));
            Assert.Throws<ArgumentOutOfRangeException>(() => device.Read32(0, 1UL << 20));
        }
    }

    [Fact]
    public void Interrupt_info_and_byte_access_follow_vfio_pci()
    {
        var (kernel, edu, options) = SimulatedMachines.Build("Cdev/Linux7");
        using (SimulatedMachines.Hold(edu))
        using (var vfio = Vfio.Open(kernel, options))
        {
            var device = vfio.OpenDevice(SimulatedMachines.Edu);
            var intx = device.GetIrqInfo(Uapi.vfio.VFIO_PCI_INTX_IRQ_INDEX);
            Assert.Equal(1u, intx.Count);
            Assert.True(intx.Maskable && intx.AutoMasked);
            Assert.Equal(1u, device.GetIrqInfo(Uapi.vfio.VFIO_PCI_MSI_IRQ_INDEX).Count);
            Assert.Equal(0u, device.GetIrqInfo(Uapi.vfio.VFIO_PCI_MSIX_IRQ_INDEX).Count);

            // 7.3 offers ERR to conventional PCI functions too (the pci_is_pcie() check is gone); 6.x refuses it.
            Assert.Equal(1u, device.GetIrqInfo(Uapi.vfio.VFIO_PCI_ERR_IRQ_INDEX).Count);
            Assert.Equal(0x34, device.Read8(Uapi.vfio.VFIO_PCI_CONFIG_REGION_INDEX, 0x00));
            Assert.Equal(0x12, device.Read8(Uapi.vfio.VFIO_PCI_CONFIG_REGION_INDEX, 0x01));
        }
    }

    [Theory]
    [MemberData(nameof(SimulatedMachines.Modes), MemberType = typeof(SimulatedMachines))]
    public void A_mapped_BAR_reaches_registers_through_pread_and_its_area_through_the_mapping(string variant)
    {
        var (kernel, edu, options) = SimulatedMachines.Build(variant);
        using (SimulatedMachines.Hold(edu))
        {
            using (var vfio = Vfio.Open(kernel, options))
            {
                var device = vfio.OpenDevice(SimulatedMachines.Edu);
                using var bar = device.MapRegion(0);
                Assert.Equal(1, bar.MappedAreaCount);
                Assert.Equal(0x010000edu, bar.Read32(0x00));
                bar.Write32(0x04, 0x55);
                Assert.Equal(~0x55u, bar.Read32(0x04));
                bar.Write64(0x2000, 0x1122334455667788);
                MappedRegion.WriteBarrier();
                Assert.Equal(0x1122334455667788UL, bar.Read64(0x2000));
                Assert.Equal((ushort)0x7788, bar.Read16(0x2000));
                Assert.Throws<ArgumentOutOfRangeException>(() => bar.Read32(0x2002));
            }

            SimulatedMachines.AssertNothingLeft(kernel);
        }
    }
}
