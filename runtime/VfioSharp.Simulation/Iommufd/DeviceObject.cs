using VfioSharp.Simulation.Pci;

namespace VfioSharp.Simulation.Iommufd;

/// <summary>
/// A device bound with VFIO_DEVICE_BIND_IOMMUFD (<c>struct iommufd_device</c>; its id is <c>out_devid</c>). VFIO
/// holds a reference until the cdev fd closes, so IOMMU_DESTROY of it is EBUSY.
/// </summary>
internal sealed class DeviceObject(uint id, SimulatedPciFunction function) : IommufdObject(id)
{
    public SimulatedPciFunction Function { get; } = function;

    /// <summary>The page table the device is attached to, if any.</summary>
    public HwptObject? Attached { get; set; }

    public override string Kind => "device " + Function.Address;
}
