using VfioSharp.Kernel;
using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.Tests.Cdev;
using VfioSharp.Uapi;

namespace VfioSharp.Simulation.Tests.Iommufd;

/// <summary>/dev/iommu's IOAS commands on their good paths: alloc, map (fixed and kernel-chosen IOVA), ranges, unmap, copy, destroy.</summary>
public sealed class IoasTests
{
    [Fact]
    public void Ids_are_the_lowest_free_from_one()
    {
        using var machine = new CdevMachine();
        Assert.Equal([1u, 2u, 3u], [machine.AllocateIoas(), machine.AllocateIoas(), machine.AllocateIoas()]);
        Assert.Equal(0, machine.Destroy(2));
        Assert.Equal(2u, machine.AllocateIoas());
        Assert.Equal(4u, machine.AllocateIoas());
    }

    [Fact]
    public void A_fixed_map_is_counted_and_unmapped_by_its_exact_range()
    {
        using var machine = new CdevMachine();
        var ioas = machine.AllocateIoas();
        var buffer = machine.Buffer(0x2000);
        Assert.Equal(0, machine.Map(ioas, buffer, 0x2000, 0x100000));
        Assert.Equal(1, machine.Kernel.IommuMappingCount);

        // Nothing is pinned while no device is attached: iommufd pins when a domain is filled.
        Assert.Equal(0UL, machine.Kernel.LockedBytes);

        Assert.Equal(0, machine.Unmap(ioas, 0x100000, 0x2000, out var unmapped));
        Assert.Equal(0x2000UL, unmapped);
        Assert.Equal(0, machine.Kernel.IommuMappingCount);
    }

    [Fact]
    public void The_kernel_chooses_an_iova_from_one_page_up_aligned_like_the_buffer()
    {
        using var machine = new CdevMachine();
        var ioas = machine.AllocateIoas();
        var first = machine.Buffer(0x1000);
        var second = machine.Buffer(0x1000);
        ulong iova1 = 0xdead0000, iova2 = 0;
        Assert.Equal(0, machine.Map(ioas, first, 0x1000, ref iova1, CdevMachine.ReadWrite));
        Assert.Equal(0, machine.Map(ioas, second, 0x1000, ref iova2, CdevMachine.ReadWrite));

        // iopt_alloc_iova never hands out IOVA 0 and ignores the iova it was given.
        Assert.Equal(0x1000UL, iova1);
        Assert.Equal(0x2000UL, iova2);
    }

    [Fact]
    public void A_large_aligned_buffer_gets_an_iova_with_the_same_alignment()
    {
        using var machine = new CdevMachine();
        var ioas = machine.AllocateIoas();
        var huge = machine.Kernel.Mmap(0, 2 << 20, MemoryProtection.Read | MemoryProtection.Write, MapFlags.Private | MapFlags.Anonymous | MapFlags.HugeTlb, -1, 0);
        Assert.True(huge > 0);
        ulong iova = 0;
        Assert.Equal(0, machine.Map(ioas, huge, 2 << 20, ref iova, CdevMachine.ReadWrite));
        Assert.Equal(2UL << 20, iova);
    }

    [Fact]
    public void Ranges_are_the_whole_space_with_byte_alignment_before_any_attach()
    {
        using var machine = new CdevMachine();
        var (ranges, alignment) = machine.IovaRanges(machine.AllocateIoas());
        Assert.Equal([(0UL, ulong.MaxValue)], ranges);
        Assert.Equal(1UL, alignment);
    }

    [Fact]
    public void Ranges_follow_the_two_call_protocol()
    {
        using var machine = new CdevMachine();
        var ioas = machine.AllocateIoas();
        using var attached = machine.Attached(ioas).Device;
        var request = new iommu_ioas_iova_ranges { ioas_id = ioas, num_iovas = 0 };
        Assert.Equal(-LinuxErrnoNumbers.EMSGSIZE, machine.Iommufd.TryIOMMU_IOAS_IOVA_RANGES(ref request));
        Assert.Equal(2u, request.num_iovas);
        Assert.Equal(4096UL, request.out_iova_alignment);

        Span<iommu_iova_range> room = stackalloc iommu_iova_range[2];
        request = new iommu_ioas_iova_ranges { ioas_id = ioas };
        Assert.Equal(0, machine.Iommufd.TryIOMMU_IOAS_IOVA_RANGES(ref request, room));
        Assert.Equal(0xfedfffffUL, room[0].last);
        Assert.Equal(0xfef00000UL, room[1].start);
        Assert.Equal((1UL << 48) - 1, room[1].last);
    }

    [Fact]
    public void Destroying_an_ioas_drops_its_mappings()
    {
        using var machine = new CdevMachine();
        var ioas = machine.AllocateIoas();
        Assert.Equal(0, machine.Map(ioas, machine.Buffer(0x1000), 0x1000, 0x1000));
        Assert.Equal(0, machine.Destroy(ioas));
        Assert.Equal(0, machine.Kernel.IommuMappingCount);
        Assert.Equal(-LinuxErrnoNumbers.ENOENT, machine.Map(ioas, machine.Buffer(0x1000), 0x1000, 0x1000));
    }

    [Fact]
    public void Closing_the_iommufd_drops_every_ioas()
    {
        var machine = new CdevMachine();
        var ioas = machine.AllocateIoas();
        Assert.Equal(0, machine.Map(ioas, machine.Buffer(0x1000), 0x1000, 0x1000));
        machine.Dispose();
        Assert.Equal(0, machine.Kernel.IommuMappingCount);
        Assert.Empty(machine.Kernel.OpenDescriptors);
    }

    [Fact]
    public void Unmap_covering_several_whole_areas_removes_them_all()
    {
        using var machine = new CdevMachine();
        var ioas = machine.AllocateIoas();
        Assert.Equal(0, machine.Map(ioas, machine.Buffer(0x1000), 0x1000, 0x10000));
        Assert.Equal(0, machine.Map(ioas, machine.Buffer(0x1000), 0x1000, 0x30000));
        Assert.Equal(0, machine.Unmap(ioas, 0, 0x100000, out var unmapped));
        Assert.Equal(0x2000UL, unmapped);
    }

    [Fact]
    public void Unmap_all_reports_what_it_removed()
    {
        using var machine = new CdevMachine();
        var ioas = machine.AllocateIoas();
        Assert.Equal(0, machine.Map(ioas, machine.Buffer(0x3000), 0x3000, 0x10000));
        Assert.Equal(0, machine.Unmap(ioas, 0, ulong.MaxValue, out var unmapped));
        Assert.Equal(0x3000UL, unmapped);
        Assert.Equal(0, machine.Kernel.IommuMappingCount);
    }

    [Fact]
    public void Copy_maps_the_same_memory_in_another_ioas()
    {
        using var machine = new CdevMachine();
        var source = machine.AllocateIoas();
        var destination = machine.AllocateIoas();
        Assert.Equal(0, machine.Map(source, machine.Buffer(0x2000), 0x2000, 0x40000));
        var copy = new iommu_ioas_copy { src_ioas_id = source, dst_ioas_id = destination, src_iova = 0x41000, length = 0x1000, dst_iova = 0x90000, flags = CdevMachine.FixedReadWrite };
        Assert.Equal(0, machine.Iommufd.TryIOMMU_IOAS_COPY(ref copy));
        Assert.Equal(0x90000UL, copy.dst_iova);
        Assert.Equal(2, machine.Kernel.IommuMappingCount);

        // A range no area starts at or covers contiguously is ENOENT.
        copy = new iommu_ioas_copy { src_ioas_id = source, dst_ioas_id = destination, src_iova = 0x3f000, length = 0x2000, dst_iova = 0xa0000, flags = CdevMachine.FixedReadWrite };
        Assert.Equal(-LinuxErrnoNumbers.ENOENT, machine.Iommufd.TryIOMMU_IOAS_COPY(ref copy));
    }

    [Fact]
    public void Copy_of_a_read_only_mapping_as_writable_is_eperm()
    {
        using var machine = new CdevMachine();
        var source = machine.AllocateIoas();
        var destination = machine.AllocateIoas();
        const uint fixedRead = (uint)(iommufd_ioas_map_flags.IOMMU_IOAS_MAP_FIXED_IOVA | iommufd_ioas_map_flags.IOMMU_IOAS_MAP_READABLE);
        Assert.Equal(0, machine.Map(source, machine.Buffer(0x1000), 0x1000, 0x40000, fixedRead));
        var copy = new iommu_ioas_copy { src_ioas_id = source, dst_ioas_id = destination, src_iova = 0x40000, length = 0x1000, dst_iova = 0x90000, flags = CdevMachine.FixedReadWrite };
        Assert.Equal(-LinuxErrnoNumbers.EPERM, machine.Iommufd.TryIOMMU_IOAS_COPY(ref copy));
    }

    [Fact]
    public unsafe void Allowed_iovas_steer_the_kernel_chosen_iova()
    {
        using var machine = new CdevMachine();
        var ioas = machine.AllocateIoas();
        var allowed = stackalloc iommu_iova_range[1];
        allowed[0] = new iommu_iova_range { start = 0x500000, last = 0x5fffff };
        var allow = new iommu_ioas_allow_iovas { ioas_id = ioas, num_iovas = 1, allowed_iovas = (ulong)allowed };
        Assert.Equal(0, machine.Iommufd.TryIOMMU_IOAS_ALLOW_IOVAS(ref allow));
        ulong iova = 0;
        Assert.Equal(0, machine.Map(ioas, machine.Buffer(0x1000), 0x1000, ref iova, CdevMachine.ReadWrite));
        Assert.Equal(0x500000UL, iova);

        // An empty range (start >= last) is EINVAL.
        allowed[0] = new iommu_iova_range { start = 0x500000, last = 0x500000 };
        allow = new iommu_ioas_allow_iovas { ioas_id = ioas, num_iovas = 1, allowed_iovas = (ulong)allowed };
        Assert.Equal(-LinuxErrnoNumbers.EINVAL, machine.Iommufd.TryIOMMU_IOAS_ALLOW_IOVAS(ref allow));
    }

    [Fact]
    public unsafe void An_allowed_range_over_the_msi_window_makes_attach_eaddrinuse()
    {
        using var machine = new CdevMachine();
        var ioas = machine.AllocateIoas();
        var allowed = stackalloc iommu_iova_range[1];
        allowed[0] = new iommu_iova_range { start = 0xfe000000, last = 0xffffffff };
        var allow = new iommu_ioas_allow_iovas { ioas_id = ioas, num_iovas = 1, allowed_iovas = (ulong)allowed };
        Assert.Equal(0, machine.Iommufd.TryIOMMU_IOAS_ALLOW_IOVAS(ref allow));
        using var device = machine.OpenCdev();
        Assert.Equal(0, machine.Bind(device, out _));
        var ptId = ioas;
        Assert.Equal(-LinuxErrnoNumbers.EADDRINUSE, CdevMachine.Attach(device, ref ptId));
    }

    [Fact]
    public void Options_report_and_set_accounting_and_huge_pages()
    {
        using var machine = new CdevMachine();
        var option = new iommu_option { option_id = (uint)iommufd_option.IOMMU_OPTION_RLIMIT_MODE, op = (ushort)iommufd_option_ops.IOMMU_OPTION_OP_SET, val64 = 1 };
        Assert.Equal(0, machine.Iommufd.TryIOMMU_OPTION(ref option));
        option = new iommu_option { option_id = (uint)iommufd_option.IOMMU_OPTION_RLIMIT_MODE, op = (ushort)iommufd_option_ops.IOMMU_OPTION_OP_GET, val64 = 7 };
        Assert.Equal(0, machine.Iommufd.TryIOMMU_OPTION(ref option));
        Assert.Equal(1UL, option.val64);

        var ioas = machine.AllocateIoas();
        option = new iommu_option { option_id = (uint)iommufd_option.IOMMU_OPTION_RLIMIT_MODE, op = (ushort)iommufd_option_ops.IOMMU_OPTION_OP_SET, val64 = 0 };
        Assert.Equal(-LinuxErrnoNumbers.EBUSY, machine.Iommufd.TryIOMMU_OPTION(ref option));

        option = new iommu_option { option_id = (uint)iommufd_option.IOMMU_OPTION_HUGE_PAGES, op = (ushort)iommufd_option_ops.IOMMU_OPTION_OP_GET, object_id = ioas };
        Assert.Equal(0, machine.Iommufd.TryIOMMU_OPTION(ref option));
        Assert.Equal(1UL, option.val64);

        // Huge pages off: the IOAS works in whole pages even without a device.
        option = new iommu_option { option_id = (uint)iommufd_option.IOMMU_OPTION_HUGE_PAGES, op = (ushort)iommufd_option_ops.IOMMU_OPTION_OP_SET, object_id = ioas, val64 = 0 };
        Assert.Equal(0, machine.Iommufd.TryIOMMU_OPTION(ref option));
        Assert.Equal(4096UL, machine.IovaRanges(ioas).Alignment);
        Assert.Equal(-LinuxErrnoNumbers.EINVAL, machine.Map(ioas, machine.Buffer(0x1000), 0x800, 0x1000));
    }

    [Fact]
    public void Hw_info_describes_the_vtd_unit_behind_a_bound_device()
    {
        using var machine = new CdevMachine();
        using var device = machine.OpenCdev();
        Assert.Equal(0, machine.Bind(device, out var deviceId));
        var data = new iommu_hw_info_vtd();
        unsafe
        {
            var info = new iommu_hw_info { dev_id = deviceId, data_len = (uint)sizeof(iommu_hw_info_vtd), data_uptr = (ulong)(&data) };
            Assert.Equal(0, machine.Iommufd.TryIOMMU_GET_HW_INFO(ref info));
            Assert.Equal((uint)iommu_hw_info_type.IOMMU_HW_INFO_TYPE_INTEL_VTD, info.out_data_type);
            Assert.Equal(24u, info.data_len);
        }

        // MGAW (bits 21:16) says 48-bit addresses, as the IOVA ranges do.
        Assert.Equal(47UL, (data.cap_reg >> 16) & 0x3f);

        var wrong = new iommu_hw_info { dev_id = 999 };
        Assert.Equal(-LinuxErrnoNumbers.ENOENT, machine.Iommufd.TryIOMMU_GET_HW_INFO(ref wrong));
    }

    [Fact]
    public void Iommufd_is_absent_on_kernels_without_it()
    {
        foreach (var profile in new[] { SimulatedKernelProfile.DebianStock, SimulatedKernelProfile.Linux61 })
        {
            var kernel = new SimulatedKernel(new SimulatedKernelOptions { Profile = profile });
            Assert.Equal(-LinuxErrnoNumbers.ENOENT, kernel.Open("/dev/iommu", OpenFlags.ReadWrite));
        }
    }
}
