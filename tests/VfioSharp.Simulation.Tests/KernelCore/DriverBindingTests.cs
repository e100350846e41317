using System.Text;
using VfioSharp.Kernel;
using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.Tests.Cdev;

namespace VfioSharp.Simulation.Tests.KernelCore;

/// <summary>
/// The driver core's sysfs files as Linux answers them (drivers/base/bus.c bind_store/unbind_store/drivers_probe_store,
/// dd.c __driver_probe_device, driver.c driver_set_override, kernfs's open and write checks).
/// </summary>
public sealed class DriverBindingTests
{
    private const string Edu = "0000:00:01.0";
    private const string Nic = "0000:00:02.0";
    private const string Override = "/sys/bus/pci/devices/0000:00:02.0/driver_override";

    [Fact]
    public void Override_then_unbind_then_drivers_probe_moves_a_device_to_vfio_pci_and_back()
    {
        var kernel = Machine();

        Assert.Equal(9, Write(kernel, Override, "vfio-pci\n"));
        Assert.Equal(Nic.Length + 1, Write(kernel, "/sys/bus/pci/drivers/e1000e/unbind", Nic + "\n"));
        Assert.Equal(-Errno.ENOENT.Value, kernel.ReadLink("/sys/bus/pci/devices/0000:00:02.0/driver", out _));
        Assert.Equal(Nic.Length, Write(kernel, "/sys/bus/pci/drivers_probe", Nic));
        Assert.Equal(0, kernel.ReadLink("/sys/bus/pci/devices/0000:00:02.0/driver", out var driver));
        Assert.EndsWith("/drivers/vfio-pci", driver, StringComparison.Ordinal);
        Assert.Equal(0, kernel.ListDirectory("/dev/vfio", out var nodes));
        Assert.Contains("6", nodes);
        Assert.Equal(0, kernel.ListDirectory("/dev/vfio/devices", out var cdevs));
        Assert.Equal(["vfio0", "vfio1"], cdevs);

        Assert.Equal(1, Write(kernel, Override, "\n"));
        Assert.Equal(Nic.Length, Write(kernel, "/sys/bus/pci/drivers/vfio-pci/unbind", Nic));
        Assert.Equal(Nic.Length, Write(kernel, "/sys/bus/pci/drivers_probe", Nic));
        Assert.Equal(0, kernel.ReadLink("/sys/bus/pci/devices/0000:00:02.0/driver", out var back));
        Assert.EndsWith("/drivers/e1000e", back, StringComparison.Ordinal);
        Assert.Equal(-Errno.ENOENT.Value, kernel.Open("/dev/vfio/6", OpenFlags.ReadWrite));
        Assert.Equal(-Errno.ENOENT.Value, kernel.ListDirectory("/sys/bus/pci/devices/0000:00:02.0/vfio-dev", out _));
    }

    [Fact]
    public void Bind_of_a_device_that_has_a_driver_is_EBUSY_when_the_driver_matches_and_ENODEV_when_not()
    {
        var kernel = Machine();

        // __driver_probe_device: dev->driver is set.
        Assert.Equal(-Errno.EBUSY.Value, Write(kernel, "/sys/bus/pci/drivers/e1000e/bind", Nic));
        // driver_match_device: vfio-pci has no ID for the NIC and no override names it.
        Assert.Equal(-Errno.ENODEV.Value, Write(kernel, "/sys/bus/pci/drivers/vfio-pci/bind", Nic));
        Assert.Equal(8, Write(kernel, Override, "vfio-pci"));
        Assert.Equal(-Errno.EBUSY.Value, Write(kernel, "/sys/bus/pci/drivers/vfio-pci/bind", Nic));
        // With the override, e1000e no longer matches its own device.
        Assert.Equal(Nic.Length, Write(kernel, "/sys/bus/pci/drivers/e1000e/unbind", Nic));
        Assert.Equal(-Errno.ENODEV.Value, Write(kernel, "/sys/bus/pci/drivers/e1000e/bind", Nic));
        Assert.Equal(Nic.Length, Write(kernel, "/sys/bus/pci/drivers/vfio-pci/bind", Nic));
    }

    [Fact]
    public void Unbind_from_another_driver_and_an_unknown_device_are_ENODEV()
    {
        var kernel = Machine();

        Assert.Equal(-Errno.ENODEV.Value, Write(kernel, "/sys/bus/pci/drivers/vfio-pci/unbind", Nic));
        Assert.Equal(-Errno.ENODEV.Value, Write(kernel, "/sys/bus/pci/drivers/e1000e/unbind", "0000:00:09.0"));
        Assert.Equal(-Errno.ENODEV.Value, Write(kernel, "/sys/bus/pci/drivers/vfio-pci/bind", "0000:00:09.0"));
        Assert.Equal(-Errno.ENODEV.Value, Write(kernel, "/sys/bus/pci/drivers_probe", "0000:00:09.0"));
        Assert.Equal(-Errno.ENODEV.Value, Write(kernel, "/sys/bus/pci/drivers_probe", Nic + "\n\n"));
    }

    [Fact]
    public void Driver_override_keeps_the_first_line_clears_on_an_empty_one_and_refuses_a_page()
    {
        var kernel = Machine();

        Assert.Equal(0, kernel.ReadText(Override, out var unset));
        Assert.Equal("(null)\n", unset);
        Assert.Equal(13, Write(kernel, Override, "vfio-pci\nfoo\n"));
        Assert.Equal(0, kernel.ReadText(Override, out var set));
        Assert.Equal("vfio-pci\n", set);
        Assert.Equal(1, Write(kernel, Override, "\n"));
        Assert.Equal(0, kernel.ReadText(Override, out var cleared));
        Assert.Equal("(null)\n", cleared);
        // driver_set_override: len >= PAGE_SIZE - 1; kernfs: more than a page is E2BIG before the store sees it.
        Assert.Equal(-Errno.EINVAL.Value, Write(kernel, Override, new string('x', 4095)));
        Assert.Equal(-Errno.E2BIG.Value, Write(kernel, Override, new string('x', 4097)));
    }

    [Fact]
    public void Write_only_files_refuse_reading_and_other_users_writing()
    {
        var root = Machine();
        Assert.Equal(-Errno.EACCES.Value, root.Open("/sys/bus/pci/drivers/vfio-pci/bind", OpenFlags.ReadOnly));
        Assert.Equal(-Errno.EACCES.Value, root.ReadText("/sys/bus/pci/drivers_probe", out _));
        Assert.Equal(-Errno.EACCES.Value, root.Open("/sys/bus/pci/devices/0000:00:02.0/vendor", OpenFlags.WriteOnly));

        var user = Machine(new SimulatedKernelOptions { Root = false });
        Assert.Equal(-Errno.EACCES.Value, user.Open(Override, OpenFlags.WriteOnly));
        Assert.Equal(-Errno.EACCES.Value, user.Open("/sys/bus/pci/drivers_probe", OpenFlags.WriteOnly));
        Assert.Equal(0, user.ReadText(Override, out var readable));
        Assert.Equal("(null)\n", readable);
    }

    [Fact]
    public void Without_an_iommu_and_the_parameter_off_vfio_pci_probe_fails_EINVAL_and_drivers_probe_still_succeeds()
    {
        var kernel = new SimulatedKernel(new SimulatedKernelOptions { Profile = SimulatedKernelProfile.Linux7, Iommu = false });
        kernel.AddPciDevice(new DmaProbeDevice(), Edu, 5, driver: string.Empty);
        const string eduOverride = "/sys/bus/pci/devices/0000:00:01.0/driver_override";

        Assert.Equal(8, Write(kernel, eduOverride, "vfio-pci"));
        Assert.Equal(-Errno.EINVAL.Value, Write(kernel, "/sys/bus/pci/drivers/vfio-pci/bind", Edu));
        Assert.Equal(Edu.Length, Write(kernel, "/sys/bus/pci/drivers_probe", Edu));
        Assert.Equal(-Errno.ENOENT.Value, kernel.ReadLink("/sys/bus/pci/devices/0000:00:01.0/driver", out _));
    }

    [Fact]
    public void A_no_iommu_group_exists_only_while_vfio_pci_has_the_device()
    {
        var kernel = new SimulatedKernel(new SimulatedKernelOptions { Profile = SimulatedKernelProfile.Linux7, Iommu = false, EnableUnsafeNoIommuMode = true });
        kernel.AddPciDevice(new DmaProbeDevice(), Edu, 5, driver: string.Empty);
        Assert.Equal(-Errno.ENOENT.Value, kernel.ReadLink("/sys/bus/pci/devices/0000:00:01.0/iommu_group", out _));

        Assert.Equal(8, Write(kernel, "/sys/bus/pci/devices/0000:00:01.0/driver_override", "vfio-pci"));
        Assert.Equal(Edu.Length, Write(kernel, "/sys/bus/pci/drivers/vfio-pci/bind", Edu));

        Assert.Equal(0, kernel.ReadLink("/sys/bus/pci/devices/0000:00:01.0/iommu_group", out var group));
        Assert.EndsWith("/iommu_groups/5", group, StringComparison.Ordinal);
        Assert.Equal(0, kernel.ListDirectory("/dev/vfio/devices", out var cdevs));
        Assert.Equal(["noiommu-vfio0"], cdevs);
        Assert.Equal(Edu.Length, Write(kernel, "/sys/bus/pci/drivers/vfio-pci/unbind", Edu));
        Assert.Equal(-Errno.ENOENT.Value, kernel.ReadLink("/sys/bus/pci/devices/0000:00:01.0/iommu_group", out _));
        Assert.Equal(-Errno.ENOENT.Value, kernel.Open("/dev/vfio/noiommu-5", OpenFlags.ReadWrite));
    }

    [Fact]
    public void Unbinding_vfio_pci_from_a_device_in_use_is_refused_and_leaves_it_usable()
    {
        var kernel = Machine();
        using var vfio = Vfio.Open(kernel);
        using var device = vfio.OpenDevice(VfioSharp.Pci.PciAddress.Parse(Edu));

        Assert.Equal(-Errno.EBUSY.Value, Write(kernel, "/sys/bus/pci/drivers/vfio-pci/unbind", Edu));
        Assert.Equal(0, kernel.ReadLink("/sys/bus/pci/devices/0000:00:01.0/driver", out var driver));
        Assert.EndsWith("/drivers/vfio-pci", driver, StringComparison.Ordinal);
        Assert.True(device.Regions.Count > 0);
    }

    private static SimulatedKernel Machine(SimulatedKernelOptions? options = null)
    {
        var kernel = new SimulatedKernel(options ?? new SimulatedKernelOptions { Profile = SimulatedKernelProfile.Linux617 });
        kernel.AddPciDevice(new DmaProbeDevice(), Edu, 5);
        kernel.AddPciDevice(new DmaProbeDevice(), Nic, 6, driver: "e1000e");
        return kernel;
    }

    /// <summary><c>echo -n text &gt; path</c>: the write's result, or open's error.</summary>
    private static long Write(SimulatedKernel kernel, string path, string text)
    {
        var fd = kernel.Open(path, OpenFlags.WriteOnly);
        if (fd < 0)
        {
            return fd;
        }

        var written = kernel.Write(fd, Encoding.UTF8.GetBytes(text));
        Assert.Equal(0, kernel.Close(fd));
        return written;
    }
}
