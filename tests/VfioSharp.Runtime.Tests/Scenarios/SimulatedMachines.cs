using VfioSharp.Modes;
using VfioSharp.Pci;
using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.Edu;

namespace VfioSharp.Runtime.Tests.Scenarios;

/// <summary>
/// Every mode the runtime supports, as a simulated machine with an edu device at 0000:00:01.0 in IOMMU group 5:
/// theories over <see cref="Modes"/> run each scenario in each mode, as the kernel's VFIO selftests multiply
/// each test across IOMMU modes. Group mode runs on three kernel profiles (Debian's, 6.1's, 7.x's).
/// </summary>
public static class SimulatedMachines
{
    public static readonly PciAddress Edu = PciAddress.Parse("0000:00:01.0");

    public static TheoryData<string> Modes => ["Group/DebianStock", "Group/Linux61", "Group/Linux7", "Cdev/Linux617", "Cdev/Linux7", "NoIommuGroup/Linux617", "NoIommuCdev/Linux7"];

    public static TheoryData<string> IommuModes => ["Group/DebianStock", "Group/Linux61", "Cdev/Linux7"];

    public static (SimulatedKernel Kernel, EduDevice Edu, VfioOptions Options) Build(string variant)
    {
        var parts = variant.Split('/');
        var mode = Enum.Parse<VfioMode>(parts[0]);
        var profile = Enum.Parse<SimulatedKernelProfile>(parts[1]);
        var noIommu = mode is VfioMode.NoIommuGroup or VfioMode.NoIommuCdev;
        var kernel = new SimulatedKernel(new SimulatedKernelOptions { Profile = profile, Iommu = !noIommu, EnableUnsafeNoIommuMode = noIommu });
        var edu = new EduDevice(dmaMaskBits: noIommu ? 64 : 28);
        kernel.AddPciDevice(edu, Edu.ToString(), iommuGroup: 5);

        // Group mode on a kernel that also has cdevs: asked for explicitly.
        return (kernel, edu, new VfioOptions { AllowNoIommu = noIommu, Mode = mode });
    }

    /// <summary>
    /// Holds a simulated device for a <c>using</c> block whether or not its type is disposable (the edu device
    /// stopped being one; this keeps every caller compiling across that change).
    /// </summary>
    public static IDisposable Hold(object device) => device as IDisposable ?? Nothing.Instance;

    /// <summary>Asserts the simulated kernel holds nothing of the run: no fd, no memory mapping, no IOMMU mapping, nothing pinned.</summary>
    public static void AssertNothingLeft(SimulatedKernel kernel)
    {
        Assert.Empty(kernel.OpenDescriptors);
        Assert.Equal(0, kernel.MemoryMappingCount);
        Assert.Equal(0, kernel.IommuMappingCount);
        Assert.Equal(0UL, kernel.LockedBytes);
    }

    private sealed class Nothing : IDisposable
    {
        public static readonly Nothing Instance = new();

        public void Dispose()
        {
        }
    }
}
