using VfioSharp.Tool.Tests.Machines;

namespace VfioSharp.Tool.Tests.Devices;

/// <summary><c>vfiosharp devices</c> on the simulated machines: the table's cells, and why each missing mode is missing.</summary>
public sealed class DevicesCommandTests
{
    private const string Parameter = "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode";

    [Fact]
    public void Debian_6_1_offers_group_mode_only_and_says_why_not_cdev_or_noiommu()
    {
        var run = ToolRun.Of(SimulatedMachine.Linux61(), "devices");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["0000:00:01.0", "1234:11e8", "00ff00", "vfio-pci", "5", "-", "group"], run.Row(SimulatedMachine.Edu));
        Assert.Equal(["0000:00:02.0", "8086:10d3", "020000", "e1000e", "6", "-", "none"], run.Row(SimulatedMachine.Nic));
        Assert.Contains("  cdev           /dev/iommu does not exist: the kernel needs CONFIG_IOMMUFD", run.Output, StringComparison.Ordinal);
        Assert.Contains($"  noiommu-group  the kernel's {Parameter} is N", run.Output, StringComparison.Ordinal);
        Assert.Contains($"  noiommu-cdev   the kernel's {Parameter} is N", run.Output, StringComparison.Ordinal);
        Assert.Contains("  0000:00:02.0  group: not bound to vfio-pci (e1000e): vfiosharp bind 0000:00:02.0", run.Output, StringComparison.Ordinal);
        Assert.Contains("vfio-pci is loaded.", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Linux_6_17_shows_the_vfio_cdev_and_offers_group_and_cdev()
    {
        var run = ToolRun.Of(SimulatedMachine.Linux617(), "devices");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["0000:00:01.0", "1234:11e8", "00ff00", "vfio-pci", "5", "vfio0", "group, cdev"], run.Row(SimulatedMachine.Edu));
        Assert.Equal(["0000:00:03.1", "8086:10d3", "020000", "e1000e", "7", "-", "none"], run.Row(SimulatedMachine.PairSecond));
        Assert.Contains("  0000:00:02.0  group, cdev: not bound to vfio-pci (e1000e)", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("  cdev  ", run.Output, StringComparison.Ordinal);
        Assert.Contains($"  noiommu-group  the kernel's {Parameter} is N", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_an_iommu_and_with_the_parameter_on_edu_has_the_noiommu_modes_only()
    {
        var run = ToolRun.Of(SimulatedMachine.NoIommu(enabled: true), "devices");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["0000:00:01.0", "1234:11e8", "00ff00", "vfio-pci", "5", "noiommu-vfio0", "noiommu-group, noiommu-cdev"], run.Row(SimulatedMachine.Edu));
        // The host-driver NICs have no group at all without an IOMMU: vfio-pci would make a no-IOMMU one.
        Assert.Equal(["0000:00:02.0", "8086:10d3", "020000", "e1000e", "-", "-", "none"], run.Row(SimulatedMachine.Nic));
        Assert.Contains("  0000:00:01.0  cdev: outside any IOMMU: its cdev is /dev/vfio/devices/noiommu-vfio0", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("noiommu-group  the kernel", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_an_iommu_and_with_the_parameter_off_nothing_is_usable_and_the_parameter_is_named()
    {
        var run = ToolRun.Of(SimulatedMachine.NoIommu(enabled: false), "devices");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["0000:00:01.0", "1234:11e8", "00ff00", "-", "-", "-", "none"], run.Row(SimulatedMachine.Edu));
        Assert.Contains($"  noiommu-group  the kernel's {Parameter} is N: echo Y > {Parameter}", run.Output, StringComparison.Ordinal);
        Assert.Contains($"  noiommu-cdev   the kernel's {Parameter} is N", run.Output, StringComparison.Ordinal);
        Assert.Contains("0000:00:01.0  ", run.Output, StringComparison.Ordinal);
        Assert.Contains("not bound to vfio-pci (no driver): vfiosharp bind 0000:00:01.0", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_group_with_a_member_on_a_host_driver_is_reported_not_viable_for_the_member_on_vfio_pci()
    {
        var kernel = SimulatedMachine.Linux617();
        Assert.Equal(1, ToolRun.Of(kernel, "bind", SimulatedMachine.PairFirst).ExitCode);

        var run = ToolRun.Of(kernel, "devices");

        Assert.Equal(["0000:00:03.0", "8086:10d3", "020000", "vfio-pci", "7", "vfio2", "none"], run.Row(SimulatedMachine.PairFirst));
        Assert.Contains("  0000:00:03.0  group, cdev: IOMMU group 7 is not viable: 0000:00:03.1 (e1000e) on host drivers", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_vfio_pci_loaded_the_table_says_so()
    {
        var kernel = SimulatedMachine.Build(new() { VfioPciLoaded = false }, eduDriver: string.Empty);

        var run = ToolRun.Of(kernel, "devices");

        Assert.Contains("vfio-pci is not loaded: modprobe vfio-pci", run.Output, StringComparison.Ordinal);
        Assert.Equal("none", run.Row(SimulatedMachine.Edu)[^1]);
    }

    [Fact]
    public void Devices_takes_no_arguments()
    {
        var run = ToolRun.Of(SimulatedMachine.Linux617(), "devices", "--all");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("devices takes no arguments ('--all')", run.Error, StringComparison.Ordinal);
    }
}
