using VfioSharp.Simulation.Iommufd;

namespace VfioSharp.Simulation.Cdev;

/// <summary>
/// What VFIO_DEVICE_BIND_IOMMUFD made of a device cdev fd (<c>df-&gt;iommufd</c>, <c>df-&gt;devid</c>): the iommufd it is
/// bound to and its device object there. Set on the device's function while bound, so that the group path
/// (<c>/dev/vfio/N</c>) is refused with EBUSY (<c>vfio_group_fops_open</c>: cdev_device_open_cnt).
/// </summary>
internal sealed class CdevBinding(IommufdFile iommufd, DeviceObject device)
{
    /// <summary>The iommufd it is bound to (no-IOMMU cdevs too: -1 is EINVAL).</summary>
    public IommufdFile Iommufd { get; } = iommufd;

    /// <summary>The device object (out_devid).</summary>
    public DeviceObject Device { get; } = device;
}
