namespace VfioSharp.Simulation.Core;

/// <summary>The machine the simulated kernel pretends to be.</summary>
public sealed class SimulatedKernelOptions
{
    /// <summary>Which Linux it behaves as.</summary>
    public SimulatedKernelProfile Profile { get; init; } = SimulatedKernelProfile.Linux7;

    /// <summary>Whether an IOMMU exists (devices sit in IOMMU groups). Without one, devices are usable only in no-IOMMU modes.</summary>
    public bool Iommu { get; init; } = true;

    /// <summary>The vfio module's <c>enable_unsafe_noiommu_mode</c> parameter (only where the profile has VFIO_NOIOMMU).</summary>
    public bool EnableUnsafeNoIommuMode { get; init; }

    /// <summary>RLIMIT_MEMLOCK in bytes: pinning more fails with ENOMEM unless <see cref="Root"/>.</summary>
    public ulong MemlockLimitBytes { get; init; } = 8UL << 20;

    /// <summary>Whether the process has root's capabilities (CAP_IPC_LOCK, CAP_SYS_ADMIN: real PFNs in pagemap, CAP_SYS_RAWIO).</summary>
    public bool Root { get; init; } = true;

    /// <summary>
    /// Whether the IOMMU remaps interrupts (QEMU's intel-iommu with <c>intremap=on</c>). Without it, binding a device
    /// to an iommufd is EPERM (<c>iommufd_device_bind</c>; iommufd's <c>allow_unsafe_interrupts</c> is off).
    /// </summary>
    public bool InterruptRemapping { get; init; } = true;

    /// <summary>
    /// Whether the process may open the root-only VFIO nodes: <c>/dev/vfio/N</c>, <c>/dev/vfio/noiommu-N</c> and
    /// <c>/dev/vfio/devices/*</c> (0600) and <c>/dev/iommu</c> (0660), as root or through a udev rule that grants
    /// them. Without it opening them is EACCES; <c>/dev/vfio/vfio</c> (0666) is always open to everyone.
    /// </summary>
    public bool DeviceNodeAccess { get; init; } = true;

    /// <summary>
    /// Whether the vfio-pci module is loaded: its driver folder <c>/sys/bus/pci/drivers/vfio-pci</c> with bind and
    /// unbind exists. Without it no device can be plugged in on vfio-pci.
    /// </summary>
    public bool VfioPciLoaded { get; init; } = true;

    /// <summary>type1's <c>dma_entry_limit</c> module parameter.</summary>
    public int DmaEntryLimit { get; init; } = 65535;

    /// <summary>Whether the profile has IOMMUFD and device cdevs.</summary>
    internal bool HasIommufd => Profile is SimulatedKernelProfile.Linux617 or SimulatedKernelProfile.Linux7;

    /// <summary>
    /// Whether vfio-pci offers the ERR interrupt to conventional PCI functions too: 7.3 removed the pci_is_pcie()
    /// checks for VFIO_PCI_ERR_IRQ_INDEX ("vfio/pci: Remove the pcie check for VFIO_PCI_ERR_IRQ_INDEX"); the
    /// real-kernel suite saw count 1 for edu on 7.3.4 (misuse table: device-irq-info-err-non-pcie).
    /// </summary>
    internal bool OffersErrToConventionalPci => Profile == SimulatedKernelProfile.Linux7;

    /// <summary>Whether the profile's kernel is built with VFIO_NOIOMMU (the vfio-noiommu container driver is registered).</summary>
    internal bool HasNoIommuDriver => Profile != SimulatedKernelProfile.DebianStock;

    /// <summary>Whether the profile has VFIO_NOIOMMU and its parameter is on.</summary>
    internal bool NoIommuEnabled => HasNoIommuDriver && EnableUnsafeNoIommuMode;
}
