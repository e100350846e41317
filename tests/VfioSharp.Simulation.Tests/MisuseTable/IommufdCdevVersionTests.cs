using VfioSharp.Kernel;
using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.Tests.Cdev;
using VfioSharp.Simulation.Tests.Iommufd;
using VfioSharp.Uapi;

namespace VfioSharp.Simulation.Tests.MisuseTable;

/// <summary>
/// The cdev and iommufd rows whose <c>Versions:</c> note gives 7.3 another answer than 6.17, on the Linux7 profile:
/// what the real-kernel suite saw on the built 7.3.4 (tests/kernel, ErrnoParity), against the 6.17 answer the
/// table's scenarios check.
/// </summary>
public sealed unsafe class IommufdCdevVersionTests
{
    [Theory]
    [InlineData(SimulatedKernelProfile.Linux617, -LinuxErrnoNumbers.ENOENT)]
    [InlineData(SimulatedKernelProfile.Linux7, 0)]
    public void An_empty_compat_unmap_is_ENOENT_on_6_17_and_succeeds_with_size_0_on_7_3(SimulatedKernelProfile profile, int expected)
    {
        using var machine = new CdevMachine(new SimulatedKernelOptions { Profile = profile });
        var compat = new iommu_vfio_ioas { ioas_id = machine.AllocateIoas(), op = (ushort)iommufd_vfio_ioas_op.IOMMU_VFIO_IOAS_SET };
        Assert.Equal(0, machine.Iommufd.TryIOMMU_VFIO_IOAS(ref compat));
        var unmap = new vfio_iommu_type1_dma_unmap { argsz = (uint)sizeof(vfio_iommu_type1_dma_unmap), iova = 0x100000, size = 0x1000 };

        // /dev/iommu's compat interface answers container ioctls: that is what this test sends it.
#pragma warning disable VFIO004
        // SAFETY: unmap lives on this frame for the call.
        var result = machine.Kernel.Ioctl(machine.Iommufd.DangerousGetFd(), vfio.VFIO_IOMMU_UNMAP_DMA, (nint)(&unmap));
#pragma warning restore VFIO004

        Assert.Equal((long)expected, result);
        Assert.Equal(0UL, unmap.size);
    }

    [Fact]
    public void A_mapped_range_still_unmaps_through_compat_on_7_3()
    {
        using var machine = new CdevMachine(new SimulatedKernelOptions { Profile = SimulatedKernelProfile.Linux7 });
        var ioas = machine.AllocateIoas();
        var compat = new iommu_vfio_ioas { ioas_id = ioas, op = (ushort)iommufd_vfio_ioas_op.IOMMU_VFIO_IOAS_SET };
        Assert.Equal(0, machine.Iommufd.TryIOMMU_VFIO_IOAS(ref compat));
        Assert.Equal(0, machine.Map(ioas, machine.Buffer(0x1000), 0x1000, 0x100000));
        var unmap = new vfio_iommu_type1_dma_unmap { argsz = (uint)sizeof(vfio_iommu_type1_dma_unmap), iova = 0x100000, size = 0x1000 };

#pragma warning disable VFIO004
        // SAFETY: unmap lives on this frame for the call.
        Assert.Equal(0, machine.Kernel.Ioctl(machine.Iommufd.DangerousGetFd(), vfio.VFIO_IOMMU_UNMAP_DMA, (nint)(&unmap)));
#pragma warning restore VFIO004
        Assert.Equal(0x1000UL, unmap.size);
    }

    [Theory]
    [InlineData(true, 0)]
    [InlineData(false, -LinuxErrnoNumbers.EPERM)]
    public void The_no_iommu_cdev_exists_on_7_3_and_needs_CAP_SYS_RAWIO(bool root, int expected)
    {
        var kernel = new SimulatedKernel(new SimulatedKernelOptions { Profile = SimulatedKernelProfile.Linux7, Iommu = false, EnableUnsafeNoIommuMode = true, Root = root });
        kernel.AddPciDevice(new DmaProbeDevice(), CdevMachine.Address, 5);
        var fd = kernel.Open("/dev/vfio/devices/noiommu-vfio0", OpenFlags.ReadWrite);
        if (fd >= 0)
        {
            Assert.Equal(0, kernel.Close(fd));
        }

        Assert.Equal(expected, Math.Min(fd, 0));
    }
}
