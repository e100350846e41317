using VfioSharp.Modes;
using VfioSharp.Pci;
using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.Edu;

namespace VfioSharp.Runtime.Tests.Infrastructure;

/// <summary>
/// One simulated machine configured for one mode, with an edu device at 0000:00:01.0 in IOMMU group 5 (more
/// devices on request): what a theory over <see cref="Variants"/> runs each scenario on, as the kernel's VFIO
/// selftests run each test in every IOMMU mode (FIXTURE_VARIANT_ADD_ALL_IOMMU_MODES). A variant is
/// <c>Mode/Profile</c>: the runtime's mode on one of the simulated kernel's profiles.
/// </summary>
public sealed class SimulatedMachine : IDisposable
{
    public static readonly PciAddress Edu = PciAddress.Parse("0000:00:01.0");

    private SimulatedMachine(string variant, SimulatedKernel kernel, EduDevice edu, VfioOptions options)
    {
        Variant = variant;
        Kernel = kernel;
        EduDevice = edu;
        Options = options;
    }

    /// <summary>Every mode, and group mode on the kernels without iommufd (Debian's, 6.1's).</summary>
    public static TheoryData<string> Variants => ["Group/Linux7", "Group/DebianStock", "Group/Linux61", "NoIommuGroup/Linux617", "Cdev/Linux617", "Cdev/Linux7", "NoIommuCdev/Linux7"];

    /// <summary>The variants with an IOMMU: DMA goes through kernel mappings.</summary>
    public static TheoryData<string> IommuVariants => ["Group/Linux7", "Group/DebianStock", "Group/Linux61", "Cdev/Linux617", "Cdev/Linux7"];

    /// <summary>The group-mode variants: containers, groups, last-group-leaves.</summary>
    public static TheoryData<string> GroupVariants => ["Group/Linux7", "Group/DebianStock", "Group/Linux61", "NoIommuGroup/Linux617"];

    /// <summary>The cdev-mode variants: open, bind, attach.</summary>
    public static TheoryData<string> CdevVariants => ["Cdev/Linux617", "Cdev/Linux7", "NoIommuCdev/Linux7"];

    public string Variant { get; }

    public SimulatedKernel Kernel { get; }

    public EduDevice EduDevice { get; }

    public VfioOptions Options { get; }

    public VfioMode Mode => Options.Mode!.Value;

    public bool NoIommu => Mode is VfioMode.NoIommuGroup or VfioMode.NoIommuCdev;

    public bool GroupMode => Mode is VfioMode.Group or VfioMode.NoIommuGroup;

    /// <summary>Builds the machine of <paramref name="variant"/>.</summary>
    /// <param name="variant"><c>Mode/Profile</c>.</param>
    /// <param name="configure">Changes to the kernel's options (root, memlock, node access).</param>
    /// <param name="populate">More devices, plugged in after the edu at 0000:00:01.0.</param>
    public static SimulatedMachine Build(string variant, Func<SimulatedKernelOptions, SimulatedKernelOptions>? configure = null, Action<SimulatedKernel>? populate = null)
    {
        var parts = variant.Split('/');
        var mode = Enum.Parse<VfioMode>(parts[0]);
        var profile = Enum.Parse<SimulatedKernelProfile>(parts[1]);
        var noIommu = mode is VfioMode.NoIommuGroup or VfioMode.NoIommuCdev;
        var options = new SimulatedKernelOptions { Profile = profile, Iommu = !noIommu, EnableUnsafeNoIommuMode = noIommu };
        var kernel = new SimulatedKernel(configure?.Invoke(options) ?? options);
        var edu = NewEdu(noIommu);
        kernel.AddPciDevice(edu, Edu.ToString(), iommuGroup: 5);
        populate?.Invoke(kernel);

        // The mode is asked for explicitly: group mode on a kernel that also has cdevs is a choice, not a default.
        return new SimulatedMachine(variant, kernel, edu, new VfioOptions { AllowNoIommu = noIommu, Mode = mode });
    }

    /// <summary>An edu as QEMU's (28-bit DMA mask) with an IOMMU; without one it must reach the simulated physical addresses (above 1 GiB).</summary>
    public static EduDevice NewEdu(bool noIommu) => new(dmaMaskBits: noIommu ? 64 : 28);

    /// <summary>Opens the runtime in this machine's mode.</summary>
    public Vfio Open() => Vfio.Open(Kernel, Options);

    /// <summary>Asserts the simulated kernel holds nothing of the run: no fd, no memory mapping, no IOMMU mapping, nothing pinned.</summary>
    public void AssertNothingLeft()
    {
        Assert.Empty(Kernel.OpenDescriptors);
        Assert.Equal(0, Kernel.MemoryMappingCount);
        Assert.Equal(0, Kernel.IommuMappingCount);
        Assert.Equal(0UL, Kernel.LockedBytes);
    }

    /// <summary>The open descriptors whose description mentions <paramref name="text"/>.</summary>
    public IReadOnlyList<string> DescriptorsOf(string text) => Kernel.OpenDescriptors.Where(d => d.Contains(text, StringComparison.Ordinal)).ToList();

    public void Dispose() => (EduDevice as object as IDisposable)?.Dispose();

    public override string ToString() => Variant;
}
