using System.Text;
using VfioSharp.Kernel;
using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.Tests.Cdev;

namespace VfioSharp.Simulation.Tests.KernelCore;

/// <summary>What a device plugged into the simulated machine looks like in sysfs and /dev, per profile and IOMMU.</summary>
public sealed class SysfsTests
{
    private const string Device = "/sys/bus/pci/devices/0000:00:01.0";

    [Fact]
    public void A_device_bound_to_vfio_pci_shows_its_ids_driver_group_and_cdev()
    {
        var kernel = Machine(SimulatedKernelProfile.Linux617);
        Assert.Equal(0, kernel.ReadText(Device + "/vendor", out var vendor));
        Assert.Equal("0x1234\n", vendor);
        Assert.Equal(0, kernel.ReadText(Device + "/device", out var device));
        Assert.Equal("0x5678\n", device);
        Assert.Equal(0, kernel.ReadLink(Device + "/driver", out var driver));
        Assert.EndsWith("/drivers/vfio-pci", driver, StringComparison.Ordinal);
        Assert.Equal(0, kernel.ReadLink(Device + "/iommu_group", out var group));
        Assert.EndsWith("/iommu_groups/5", group, StringComparison.Ordinal);
        Assert.Equal(0, kernel.ListDirectory("/sys/kernel/iommu_groups/5/devices", out var members));
        Assert.Equal(["0000:00:01.0"], members);
        Assert.Equal(0, kernel.ListDirectory(Device + "/vfio-dev", out var cdevs));
        Assert.Equal(["vfio0"], cdevs);
        Assert.Equal(0, kernel.ListDirectory("/dev/vfio", out var nodes));
        Assert.Equal(["5", "devices", "vfio"], nodes);
        Assert.Equal(0, kernel.ReadText("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode", out var noIommu));
        Assert.Equal("N\n", noIommu);
    }

    [Theory]
    [InlineData(SimulatedKernelProfile.DebianStock)]
    [InlineData(SimulatedKernelProfile.Linux61)]
    public void Group_only_profiles_have_no_iommufd_and_no_cdev(SimulatedKernelProfile profile)
    {
        var kernel = Machine(profile);
        Assert.Equal(-KernelErrno.ENOENT, kernel.Open("/dev/iommu", OpenFlags.ReadWrite));
        Assert.Equal(-KernelErrno.ENOENT, kernel.ListDirectory(Device + "/vfio-dev", out _));
        Assert.Equal(0, kernel.ListDirectory("/dev/vfio", out var nodes));
        Assert.Equal(["5", "vfio"], nodes);
    }

    [Fact]
    public void Without_an_iommu_the_group_is_a_noiommu_group_when_the_parameter_is_on()
    {
        var kernel = new SimulatedKernel(new SimulatedKernelOptions { Profile = SimulatedKernelProfile.Linux617, Iommu = false, EnableUnsafeNoIommuMode = true });
        kernel.AddPciDevice(new DmaProbeDevice(), "0000:00:01.0", 5);
        Assert.Equal(0, kernel.ReadText("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode", out var noIommu));
        Assert.Equal("Y\n", noIommu);
        Assert.Equal(0, kernel.ListDirectory("/dev/vfio", out var nodes));
        Assert.Contains("noiommu-5", nodes);
        Assert.DoesNotContain("5", nodes);
    }

    [Fact]
    public void Without_an_iommu_and_without_the_parameter_there_is_no_group()
    {
        var kernel = new SimulatedKernel(new SimulatedKernelOptions { Profile = SimulatedKernelProfile.Linux617, Iommu = false });
        kernel.AddPciDevice(new DmaProbeDevice(), "0000:00:01.0", 5);
        Assert.Equal(-KernelErrno.ENOENT, kernel.Open("/dev/vfio/noiommu-5", OpenFlags.ReadWrite));
        Assert.Equal(-KernelErrno.ENOENT, kernel.ReadLink(Device + "/iommu_group", out _));
    }

    [Fact]
    public void A_device_on_another_driver_has_no_vfio_nodes()
    {
        var kernel = new SimulatedKernel(new SimulatedKernelOptions { Profile = SimulatedKernelProfile.Linux617 });
        kernel.AddPciDevice(new DmaProbeDevice(), "0000:00:01.0", 5, driver: "e1000e");
        Assert.Equal(0, kernel.ReadLink(Device + "/driver", out var driver));
        Assert.EndsWith("/drivers/e1000e", driver, StringComparison.Ordinal);
        Assert.Equal(-KernelErrno.ENOENT, kernel.Open("/dev/vfio/5", OpenFlags.ReadWrite));
        Assert.Equal(-KernelErrno.ENOENT, kernel.Open("/dev/vfio/devices/vfio0", OpenFlags.ReadWrite));
    }

    [Fact]
    public void Attributes_read_through_open_and_read_and_links_are_not_text()
    {
        var kernel = Machine(SimulatedKernelProfile.Linux617);
        var fd = kernel.Open(Device + "/vendor", OpenFlags.ReadOnly);
        var buffer = new byte[64];
        var read = kernel.Read(fd, buffer);
        Assert.Equal("0x1234\n", Encoding.UTF8.GetString(buffer, 0, (int)read));
        Assert.Equal(0, kernel.Read(fd, buffer));
        Assert.Equal(-KernelErrno.EBADF, kernel.Write(fd, "x"u8));
        Assert.Equal(-KernelErrno.EINVAL, kernel.ReadLink(Device + "/vendor", out _));
        Assert.Equal(-KernelErrno.ENOENT, kernel.ReadText(Device + "/nothing", out _));
        Assert.Equal(-KernelErrno.ENOTDIR, kernel.ListDirectory(Device + "/vendor", out _));
    }

    [Fact]
    public void Driver_override_takes_a_write()
    {
        var kernel = Machine(SimulatedKernelProfile.Linux617);
        var fd = kernel.Open(Device + "/driver_override", OpenFlags.WriteOnly);
        Assert.Equal(9, kernel.Write(fd, "vfio-pci\n"u8));
    }

    private static SimulatedKernel Machine(SimulatedKernelProfile profile)
    {
        var kernel = new SimulatedKernel(new SimulatedKernelOptions { Profile = profile });
        kernel.AddPciDevice(new DmaProbeDevice(), "0000:00:01.0", 5);
        return kernel;
    }
}
