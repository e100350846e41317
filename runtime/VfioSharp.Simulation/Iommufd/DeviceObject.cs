using VfioSharp.Simulation.Pci;

namespace VfioSharp.Simulation.Iommufd;

/// <summary>
/// A device bound with VFIO_DEVICE_BIND_IOMMUFD (<c>struct iommufd_device</c>; its id is <c>out_devid</c>). VFIO
/// holds a reference until the cdev fd closes, so IOMMU_DESTROY of it is EBUSY.
/// </summary>
internal sealed class DeviceObject(uint id, SimulatedPciFunction function, bool noIommu) : IommufdObject(id)
{
    public SimulatedPciFunction Function { get; } = function;

    /// <summary>
    /// A no-IOMMU device (Linux 7's no-IOMMU cdevs): it binds and attaches to an IOAS as an access, not through an
    /// IOMMU domain, and its DMA keeps using physical addresses.
    /// </summary>
    public bool NoIommu { get; } = noIommu;

    /// <summary>The object a no-IOMMU device's attach made on its IOAS (no IOMMU domain behind it), if any.</summary>
    public HwptObject? NoIommuAttachment { get; set; }

    /// <summary>The page table the device is attached to, if any.</summary>
    public HwptObject? Attached { get; set; }

    public override string Kind => "device " + Function.Address;
}
