using VfioSharp.Kernel;
using VfioSharp.Pci;
using VfioSharp.Simulation.Core;
using VfioSharp.Tool.Tests.Machines;

namespace VfioSharp.Tool.Tests.Binding;

/// <summary><c>vfiosharp bind</c> / <c>unbind</c> on the simulated kernel: what it changes, and each error.</summary>
public sealed class BindCommandTests
{
    [Fact]
    public void Bind_moves_a_nic_to_vfio_pci_where_the_runtime_opens_it_and_unbind_gives_it_back_to_e1000e()
    {
        var kernel = SimulatedMachine.Linux617();

        var bind = ToolRun.Of(kernel, "bind", SimulatedMachine.Nic);

        Assert.Equal(0, bind.ExitCode);
        Assert.Equal("0000:00:02.0: e1000e -> vfio-pci\n", bind.Output);
        Assert.Equal(["0000:00:02.0", "8086:10d3", "020000", "vfio-pci", "6", "vfio1", "group, cdev"], ToolRun.Of(kernel, "devices").Row(SimulatedMachine.Nic));
        Assert.Equal(0, kernel.ReadText("/sys/bus/pci/devices/0000:00:02.0/driver_override", out var forced));
        Assert.Equal("vfio-pci\n", forced);
        using (var vfio = Vfio.Open(kernel))
        using (var device = vfio.OpenDevice(PciAddress.Parse(SimulatedMachine.Nic)))
        {
            Assert.Equal(VfioSharp.Modes.VfioMode.Cdev, vfio.Mode);
            Assert.True(device.Regions.Count > 0);
        }

        var unbind = ToolRun.Of(kernel, "unbind", SimulatedMachine.Nic);

        Assert.Equal(0, unbind.ExitCode);
        Assert.Equal("0000:00:02.0: vfio-pci -> e1000e\n", unbind.Output);
        Assert.Equal(["0000:00:02.0", "8086:10d3", "020000", "e1000e", "6", "-", "none"], ToolRun.Of(kernel, "devices").Row(SimulatedMachine.Nic));
        Assert.Equal(0, kernel.ReadText("/sys/bus/pci/devices/0000:00:02.0/driver_override", out var cleared));
        Assert.Equal("(null)\n", cleared);
        Assert.Equal(-Errno.ENOENT.Value, kernel.Open("/dev/vfio/6", OpenFlags.ReadWrite));
        Assert.Equal(-Errno.ENOENT.Value, kernel.Open("/dev/vfio/devices/vfio1", OpenFlags.ReadWrite));
        Assert.Equal(0, kernel.ListDirectory("/sys/bus/pci/drivers/e1000e", out var owned));
        Assert.Contains(SimulatedMachine.Nic, owned);
    }

    [Fact]
    public void Unbinding_edu_leaves_it_without_a_driver_and_bind_brings_its_group_node_back()
    {
        var kernel = SimulatedMachine.Linux61();

        var unbind = ToolRun.Of(kernel, "unbind", SimulatedMachine.Edu);

        Assert.Equal(0, unbind.ExitCode);
        Assert.Equal("0000:00:01.0: vfio-pci -> no driver\n", unbind.Output);
        Assert.Equal(-Errno.ENOENT.Value, kernel.Open("/dev/vfio/5", OpenFlags.ReadWrite));
        Assert.Equal(-Errno.ENOENT.Value, kernel.ReadLink("/sys/bus/pci/devices/0000:00:01.0/driver", out _));

        var bind = ToolRun.Of(kernel, "bind", "0000:00:01.0");

        Assert.Equal(0, bind.ExitCode);
        Assert.Equal("0000:00:01.0: no driver -> vfio-pci\n", bind.Output);
        Assert.Equal("group", ToolRun.Of(kernel, "devices").Row(SimulatedMachine.Edu)[^1]);
        using var vfio = Vfio.Open(kernel);
        using var device = vfio.OpenDevice(PciAddress.Parse(SimulatedMachine.Edu));
        Assert.Equal(VfioSharp.Modes.VfioMode.Group, vfio.Mode);
    }

    [Fact]
    public void Binding_a_device_already_on_vfio_pci_changes_nothing()
    {
        var run = ToolRun.Of(SimulatedMachine.Linux617(), "bind", SimulatedMachine.Edu);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("0000:00:01.0: already bound to vfio-pci\n", run.Output);
    }

    [Fact]
    public void Without_an_iommu_in_no_iommu_mode_bind_and_unbind_move_the_device_and_its_noiommu_group()
    {
        var kernel = SimulatedMachine.NoIommu(enabled: true);

        Assert.Equal(0, ToolRun.Of(kernel, "bind", SimulatedMachine.Nic).ExitCode);
        Assert.Equal(0, kernel.ListDirectory("/dev/vfio", out var bound));
        Assert.Contains("noiommu-6", bound);
        Assert.Equal("noiommu-group, noiommu-cdev", ToolRun.Of(kernel, "devices").Row(SimulatedMachine.Nic)[^1]);

        Assert.Equal(0, ToolRun.Of(kernel, "unbind", SimulatedMachine.Nic).ExitCode);
        Assert.Equal(0, kernel.ListDirectory("/dev/vfio", out var unbound));
        Assert.DoesNotContain("noiommu-6", unbound);
        Assert.Equal(-Errno.ENOENT.Value, kernel.ReadLink("/sys/bus/pci/devices/0000:00:02.0/iommu_group", out _));
    }

    [Theory]
    [InlineData("../../../etc/passwd")]
    [InlineData("0000:00:01.0/../../..")]
    [InlineData("00:01.0")]
    [InlineData("0000:00:20.0")]
    [InlineData("0000:00:01.8")]
    [InlineData(" 0000:00:01.0")]
    public void A_malformed_address_is_a_usage_error_that_touches_nothing(string address)
    {
        var kernel = SimulatedMachine.Linux617();

        foreach (var command in new[] { "bind", "unbind" })
        {
            var run = ToolRun.Of(kernel, command, address);

            Assert.Equal(2, run.ExitCode);
            Assert.Contains($"{command}: '{address}' is not a PCI address (DDDD:BB:DD.F", run.Error, StringComparison.Ordinal);
        }

        Assert.Equal(0, kernel.ReadText("/sys/bus/pci/devices/0000:00:01.0/driver_override", out var untouched));
        Assert.Equal("(null)\n", untouched);
    }

    [Fact]
    public void A_device_that_does_not_exist_is_named()
    {
        var run = ToolRun.Of(SimulatedMachine.Linux617(), "bind", "0000:00:09.0");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("0000:00:09.0: no such PCI device (/sys/bus/pci/devices/0000:00:09.0 does not exist", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_root_bind_names_the_device_the_file_and_the_errno_and_says_to_run_as_root()
    {
        var kernel = SimulatedMachine.Build(new SimulatedKernelOptions { Profile = SimulatedKernelProfile.Linux617, Root = false });

        var bind = ToolRun.Of(kernel, "bind", SimulatedMachine.Nic);
        var unbind = ToolRun.Of(kernel, "unbind", SimulatedMachine.Edu);

        Assert.Equal(1, bind.ExitCode);
        Assert.Contains("bind 0000:00:02.0: writing 'vfio-pci' to /sys/bus/pci/devices/0000:00:02.0/driver_override failed: EACCES (Permission denied): run as root (sudo vfiosharp bind 0000:00:02.0)", bind.Error, StringComparison.Ordinal);
        Assert.Equal(1, unbind.ExitCode);
        Assert.Contains("unbind 0000:00:01.0: writing an empty line to /sys/bus/pci/devices/0000:00:01.0/driver_override failed: EACCES", unbind.Error, StringComparison.Ordinal);
        Assert.Equal("e1000e", ToolRun.Of(kernel, "devices").Row(SimulatedMachine.Nic)[3]);
    }

    [Fact]
    public void Without_vfio_pci_loaded_bind_says_to_load_it_and_changes_nothing()
    {
        var kernel = SimulatedMachine.Build(new SimulatedKernelOptions { VfioPciLoaded = false }, eduDriver: string.Empty);

        var run = ToolRun.Of(kernel, "bind", SimulatedMachine.Nic);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("bind 0000:00:02.0: vfio-pci is not loaded (/sys/bus/pci/drivers/vfio-pci does not exist): modprobe vfio-pci", run.Error, StringComparison.Ordinal);
        Assert.Equal(0, kernel.ReadText("/sys/bus/pci/devices/0000:00:02.0/driver_override", out var untouched));
        Assert.Equal("(null)\n", untouched);
    }

    [Fact]
    public void Binding_one_function_of_a_shared_group_lists_the_member_still_on_a_host_driver_until_it_follows()
    {
        var kernel = SimulatedMachine.Linux617();

        var first = ToolRun.Of(kernel, "bind", SimulatedMachine.PairFirst);

        Assert.Equal(1, first.ExitCode);
        Assert.Equal("0000:00:03.0: e1000e -> vfio-pci\n", first.Output);
        Assert.Contains("bind 0000:00:03.0: IOMMU group 7 is not viable: 0000:00:03.1 (e1000e) still on host drivers", first.Error, StringComparison.Ordinal);
        Assert.Contains("vfiosharp bind 0000:00:03.1", first.Error, StringComparison.Ordinal);
        using (var vfio = Vfio.Open(kernel, new() { Mode = VfioSharp.Modes.VfioMode.Group }))
        {
            var refused = Assert.Throws<VfioException>(() => vfio.OpenDevice(PciAddress.Parse(SimulatedMachine.PairFirst)));
            Assert.Contains("0000:00:03.1", refused.Message, StringComparison.Ordinal);
        }

        var second = ToolRun.Of(kernel, "bind", SimulatedMachine.PairSecond);

        Assert.Equal(0, second.ExitCode);
        Assert.Equal("group, cdev", ToolRun.Of(kernel, "devices").Row(SimulatedMachine.PairFirst)[^1]);
        using var viable = Vfio.Open(kernel, new() { Mode = VfioSharp.Modes.VfioMode.Group });
        using var device = viable.OpenDevice(PciAddress.Parse(SimulatedMachine.PairFirst));
    }

    [Fact]
    public void Without_an_iommu_and_the_parameter_off_vfio_pci_refuses_the_device_and_bind_says_why()
    {
        var kernel = SimulatedMachine.NoIommu(enabled: false);

        var run = ToolRun.Of(kernel, "bind", SimulatedMachine.Edu);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("bind 0000:00:01.0: vfio-pci did not take the device (now no driver; driver_override stays vfio-pci): it has no IOMMU group", run.Error, StringComparison.Ordinal);
        Assert.Contains("enable_unsafe_noiommu_mode", run.Error, StringComparison.Ordinal);

        // unbind undoes the override that bind left behind.
        var unbind = ToolRun.Of(kernel, "unbind", SimulatedMachine.Edu);
        Assert.Equal(0, unbind.ExitCode);
        Assert.Equal(0, kernel.ReadText("/sys/bus/pci/devices/0000:00:01.0/driver_override", out var cleared));
        Assert.Equal("(null)\n", cleared);
    }

    [Fact]
    public void Unbind_refuses_a_device_that_is_not_on_vfio_pci()
    {
        var run = ToolRun.Of(SimulatedMachine.Linux617(), "unbind", SimulatedMachine.Nic);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("unbind 0000:00:02.0: it is not bound to vfio-pci (e1000e) and its driver_override is not vfio-pci", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Unbind_of_a_device_a_vfio_user_holds_open_says_it_is_in_use()
    {
        var kernel = SimulatedMachine.Linux617();
        using var vfio = Vfio.Open(kernel);
        using var device = vfio.OpenDevice(PciAddress.Parse(SimulatedMachine.Edu));

        var run = ToolRun.Of(kernel, "unbind", SimulatedMachine.Edu);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("unbind 0000:00:01.0: writing '0000:00:01.0' to /sys/bus/pci/drivers/vfio-pci/unbind failed: EBUSY (Device or resource busy): the device is in use", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bind")]
    [InlineData("unbind")]
    public void Bind_and_unbind_take_exactly_one_address(string command)
    {
        var none = ToolRun.Of(SimulatedMachine.Linux617(), command);
        var two = ToolRun.Of(SimulatedMachine.Linux617(), command, SimulatedMachine.Edu, SimulatedMachine.Nic);

        Assert.Equal(2, none.ExitCode);
        Assert.Equal(2, two.ExitCode);
        Assert.Contains($"{command} takes one PCI address", two.Error, StringComparison.Ordinal);
    }
}
