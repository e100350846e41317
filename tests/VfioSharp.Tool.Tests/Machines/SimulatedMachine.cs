using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.Edu;

namespace VfioSharp.Tool.Tests.Machines;

/// <summary>
/// The machines the tool is tested on: QEMU's edu on vfio-pci alone in IOMMU group 5, a NIC on e1000e alone in group 6,
/// and two NIC functions on e1000e sharing group 7 (binding one leaves the group unviable until the other follows).
/// </summary>
internal static class SimulatedMachine
{
    public const string Edu = "0000:00:01.0";
    public const string Nic = "0000:00:02.0";
    public const string PairFirst = "0000:00:03.0";
    public const string PairSecond = "0000:00:03.1";

    /// <summary>Debian 12's 6.1: group mode only (no iommufd, no cdevs), VFIO_NOIOMMU built but off.</summary>
    public static SimulatedKernel Linux61() => Build(new SimulatedKernelOptions { Profile = SimulatedKernelProfile.Linux61 });

    /// <summary>6.17 with an IOMMU: group and cdev.</summary>
    public static SimulatedKernel Linux617() => Build(new SimulatedKernelOptions { Profile = SimulatedKernelProfile.Linux617 });

    /// <summary>Linux 7 without an IOMMU, enable_unsafe_noiommu_mode on or off (off: vfio-pci can't take edu, so it is unbound).</summary>
    public static SimulatedKernel NoIommu(bool enabled) => Build(
        new SimulatedKernelOptions { Profile = SimulatedKernelProfile.Linux7, Iommu = false, EnableUnsafeNoIommuMode = enabled },
        eduDriver: enabled ? "vfio-pci" : string.Empty);

    public static SimulatedKernel Build(SimulatedKernelOptions options, string eduDriver = "vfio-pci")
    {
        var kernel = new SimulatedKernel(options);
        kernel.AddPciDevice(new EduDevice(), Edu, iommuGroup: 5, driver: eduDriver);
        kernel.AddPciDevice(new NicDevice(), Nic, iommuGroup: 6, driver: "e1000e");
        kernel.AddPciDevice(new NicDevice(), PairFirst, iommuGroup: 7, driver: "e1000e");
        kernel.AddPciDevice(new NicDevice(), PairSecond, iommuGroup: 7, driver: "e1000e");
        return kernel;
    }
}
