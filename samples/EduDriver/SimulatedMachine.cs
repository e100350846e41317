using VfioSharp.Modes;
using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.Edu;

namespace EduDriver;

/// <summary>A simulated machine with one edu device at 0000:00:01.0 in IOMMU group 5, set up for a mode.</summary>
internal static class SimulatedMachine
{
    public const string EduAddress = "0000:00:01.0";

    public static (SimulatedKernel Kernel, EduDevice Edu) For(VfioMode mode)
    {
        var options = mode switch
        {
            VfioMode.Group => new SimulatedKernelOptions { Profile = SimulatedKernelProfile.DebianStock },
            VfioMode.NoIommuGroup => new SimulatedKernelOptions { Profile = SimulatedKernelProfile.Linux617, Iommu = false, EnableUnsafeNoIommuMode = true },
            VfioMode.NoIommuCdev => new SimulatedKernelOptions { Profile = SimulatedKernelProfile.Linux7, Iommu = false, EnableUnsafeNoIommuMode = true },
            _ => new SimulatedKernelOptions { Profile = SimulatedKernelProfile.Linux7 },
        };
        var kernel = new SimulatedKernel(options);

        // Without an IOMMU, QEMU's edu needs dma_mask=0xffffffffffffffff: physical addresses lie above 256 MiB.
        var edu = new EduDevice(dmaMaskBits: options.Iommu ? 28 : 64);
        kernel.AddPciDevice(edu, EduAddress, iommuGroup: 5);
        return (kernel, edu);
    }
}
