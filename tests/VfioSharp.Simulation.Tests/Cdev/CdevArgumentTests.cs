using VfioSharp.Kernel;
using VfioSharp.Simulation.Tests.Iommufd;
using VfioSharp.Uapi;

namespace VfioSharp.Simulation.Tests.Cdev;

/// <summary>The answers around the misuse table's cdev and iommufd rows: the other errnos the same checks give, in the kernel's order.</summary>
public sealed unsafe class CdevArgumentTests
{
    [Fact]
    public void Bind_answers_each_bad_iommufd_as_the_kernel_does()
    {
        using var machine = new CdevMachine();
        using var device = machine.OpenCdev();

        // Negative: EINVAL before anything is looked up; not open: EBADF (fget); not /dev/iommu: EBADFD.
        var bind = new vfio_device_bind_iommufd { iommufd = -1 };
        Assert.Equal(-LinuxErrnoNumbers.EINVAL, device.TryVFIO_DEVICE_BIND_IOMMUFD(ref bind));
        bind = new vfio_device_bind_iommufd { iommufd = 1000 };
        Assert.Equal(-LinuxErrnoNumbers.EBADF, device.TryVFIO_DEVICE_BIND_IOMMUFD(ref bind));
        bind = new vfio_device_bind_iommufd { iommufd = device.DangerousGetFd() };
        Assert.Equal(-LinuxErrnoNumbers.EBADFD, device.TryVFIO_DEVICE_BIND_IOMMUFD(ref bind));

        // None of them bound the fd.
        Assert.Equal(0, machine.Bind(device, out _));
    }

    [Fact]
    public void Bind_checks_the_bytes_past_its_struct()
    {
        using var machine = new CdevMachine();
        using var device = machine.OpenCdev();
        var buffer = stackalloc byte[40];
        new Span<byte>(buffer, 40).Clear();
        var bind = (vfio_device_bind_iommufd*)buffer;
        bind->argsz = 40;
        bind->iommufd = machine.Iommufd.DangerousGetFd();
        buffer[33] = 1;
        Assert.Equal(-LinuxErrnoNumbers.E2BIG, machine.Kernel.Ioctl(device.DangerousGetFd(), vfio.VFIO_DEVICE_BIND_IOMMUFD, (nint)buffer));
        buffer[33] = 0;
        Assert.Equal(0, machine.Kernel.Ioctl(device.DangerousGetFd(), vfio.VFIO_DEVICE_BIND_IOMMUFD, (nint)buffer));
        Assert.Equal(1u, bind->out_devid);
    }

    [Fact]
    public void A_token_without_a_pointer_is_efault()
    {
        using var machine = new CdevMachine();
        using var device = machine.OpenCdev();
        var bind = new vfio_device_bind_iommufd { flags = (uint)vfio.VFIO_DEVICE_BIND_FLAG_TOKEN, iommufd = machine.Iommufd.DangerousGetFd() };
        Assert.Equal(-LinuxErrnoNumbers.EFAULT, device.TryVFIO_DEVICE_BIND_IOMMUFD(ref bind));
    }

    // A null argument is the misuse under test: VFIO004 rightly objects.
#pragma warning disable VFIO004
    [Fact]
    public void A_null_argument_is_efault()
    {
        using var machine = new CdevMachine();
        using var device = machine.OpenCdev();
        Assert.Equal(-LinuxErrnoNumbers.EFAULT, machine.Kernel.Ioctl(device.DangerousGetFd(), vfio.VFIO_DEVICE_BIND_IOMMUFD, 0));
        Assert.Equal(-LinuxErrnoNumbers.EFAULT, machine.Kernel.Ioctl(machine.Iommufd.DangerousGetFd(), iommufd.IOMMU_IOAS_ALLOC, 0));
    }
#pragma warning restore VFIO004

    [Fact]
    public void Detach_checks_its_arguments_even_when_nothing_is_attached()
    {
        using var machine = new CdevMachine();
        using var device = machine.OpenCdev();
        Assert.Equal(0, machine.Bind(device, out _));
        var detach = new vfio_device_detach_iommufd_pt { argsz = 4 };
        Assert.Equal(-LinuxErrnoNumbers.EINVAL, device.TryVFIO_DEVICE_DETACH_IOMMUFD_PT(ref detach, setSize: false));
        detach = new vfio_device_detach_iommufd_pt { flags = 2 };
        Assert.Equal(-LinuxErrnoNumbers.EINVAL, device.TryVFIO_DEVICE_DETACH_IOMMUFD_PT(ref detach));
        Assert.Equal(0, CdevMachine.Detach(device));
    }

    [Fact]
    public void An_iommufd_number_with_other_bits_is_enotty()
    {
        using var machine = new CdevMachine();
        var alloc = new iommu_ioas_alloc { size = (uint)sizeof(iommu_ioas_alloc) };

        // _IOWR-style direction and size bits on IOMMU_IOAS_ALLOC's command byte: in the table's range, not its number.
        const ulong withDirection = iommufd.IOMMU_IOAS_ALLOC | (3UL << 30) | (12UL << 16);
        Assert.Equal(-LinuxErrnoNumbers.ENOTTY, machine.Kernel.Ioctl(machine.Iommufd.DangerousGetFd(), withDirection, (nint)(&alloc)));
    }

    [Fact]
    public void Unimplemented_iommufd_commands_still_check_sizes_first()
    {
        using var machine = new CdevMachine();
        var hwpt = new iommu_hwpt_alloc { size = 8 };
        Assert.Equal(-LinuxErrnoNumbers.EINVAL, machine.Iommufd.TryIOMMU_HWPT_ALLOC(ref hwpt, setSize: false));
    }

    // /dev/iommu answers VFIO container ioctls (iommufd's compat interface): the iommufd fd where VFIO004 expects a
    // container fd is what these two tests exercise.
#pragma warning disable VFIO004
    [Fact]
    public void The_vfio_compat_interface_works_on_the_compat_ioas()
    {
        using var machine = new CdevMachine();
        var fd = machine.Iommufd.DangerousGetFd();
        Assert.Equal(0, machine.Kernel.Ioctl(fd, vfio.VFIO_GET_API_VERSION, 0));
        Assert.Equal(1, machine.Kernel.Ioctl(fd, vfio.VFIO_CHECK_EXTENSION, vfio.VFIO_TYPE1v2_IOMMU));
        Assert.Equal(-LinuxErrnoNumbers.ENODEV, machine.Kernel.Ioctl(fd, vfio.VFIO_SET_IOMMU, vfio.VFIO_TYPE1v2_IOMMU));

        var ioas = machine.AllocateIoas();
        var compat = new iommu_vfio_ioas { op = (ushort)iommufd_vfio_ioas_op.IOMMU_VFIO_IOAS_GET };
        Assert.Equal(-LinuxErrnoNumbers.ENODEV, machine.Iommufd.TryIOMMU_VFIO_IOAS(ref compat));
        compat = new iommu_vfio_ioas { ioas_id = ioas, op = (ushort)iommufd_vfio_ioas_op.IOMMU_VFIO_IOAS_SET };
        Assert.Equal(0, machine.Iommufd.TryIOMMU_VFIO_IOAS(ref compat));
        Assert.Equal(0, machine.Kernel.Ioctl(fd, vfio.VFIO_SET_IOMMU, vfio.VFIO_TYPE1v2_IOMMU));

        var buffer = machine.Buffer(0x2000);
        var map = new vfio_iommu_type1_dma_map { argsz = (uint)sizeof(vfio_iommu_type1_dma_map), flags = 3, vaddr = (ulong)buffer, iova = 0x100000, size = 0x2000 };
        Assert.Equal(0, machine.Kernel.Ioctl(fd, vfio.VFIO_IOMMU_MAP_DMA, (nint)(&map)));

        var info = stackalloc byte[256];
        new Span<byte>(info, 256).Clear();
        ((vfio_iommu_type1_info*)info)->argsz = 256;
        Assert.Equal(0, machine.Kernel.Ioctl(fd, vfio.VFIO_IOMMU_GET_INFO, (nint)info));
        var reply = (vfio_iommu_type1_info*)info;
        Assert.Equal((uint)sizeof(vfio_iommu_type1_info), reply->cap_offset);
        var ranges = (vfio_iommu_type1_info_cap_iova_range*)(info + ((vfio_info_cap_header*)(info + reply->cap_offset))->next);
        Assert.Equal((ushort)vfio.VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, ranges->header.id);
        Assert.Equal(1u, ranges->nr_iovas);

        var unmap = new vfio_iommu_type1_dma_unmap { argsz = (uint)sizeof(vfio_iommu_type1_dma_unmap), flags = (uint)vfio.VFIO_DMA_UNMAP_FLAG_ALL };
        Assert.Equal(0, machine.Kernel.Ioctl(fd, vfio.VFIO_IOMMU_UNMAP_DMA, (nint)(&unmap)));
        Assert.Equal(0x2000UL, unmap.size);
    }

    [Fact]
    public void Type1_through_the_compat_interface_unmaps_inside_a_mapping()
    {
        using var machine = new CdevMachine();
        var fd = machine.Iommufd.DangerousGetFd();
        var compat = new iommu_vfio_ioas { ioas_id = machine.AllocateIoas(), op = (ushort)iommufd_vfio_ioas_op.IOMMU_VFIO_IOAS_SET };
        Assert.Equal(0, machine.Iommufd.TryIOMMU_VFIO_IOAS(ref compat));
        Assert.Equal(0, machine.Kernel.Ioctl(fd, vfio.VFIO_SET_IOMMU, vfio.VFIO_TYPE1_IOMMU));
        var map = new vfio_iommu_type1_dma_map { argsz = (uint)sizeof(vfio_iommu_type1_dma_map), flags = 3, vaddr = (ulong)machine.Buffer(0x3000), iova = 0x100000, size = 0x3000 };
        Assert.Equal(0, machine.Kernel.Ioctl(fd, vfio.VFIO_IOMMU_MAP_DMA, (nint)(&map)));
        var unmap = new vfio_iommu_type1_dma_unmap { argsz = (uint)sizeof(vfio_iommu_type1_dma_unmap), iova = 0x101000, size = 0x1000 };
        Assert.Equal(0, machine.Kernel.Ioctl(fd, vfio.VFIO_IOMMU_UNMAP_DMA, (nint)(&unmap)));
        Assert.Equal(0x1000UL, unmap.size);
        Assert.Equal(2, machine.Kernel.IommuMappingCount);
    }
#pragma warning restore VFIO004

    [Fact]
    public void A_no_iommu_machine_on_617_has_no_device_cdev()
    {
        var kernel = new Core.SimulatedKernel(new Core.SimulatedKernelOptions { Profile = Core.SimulatedKernelProfile.Linux617, Iommu = false, EnableUnsafeNoIommuMode = true });
        kernel.AddPciDevice(new DmaProbeDevice(), CdevMachine.Address, 5);
        Assert.Equal(-LinuxErrnoNumbers.ENOENT, kernel.Open("/dev/vfio/devices/noiommu-vfio0", OpenFlags.ReadWrite));
    }
}
