namespace VfioSharp.Devices;

/// <summary>The states of a <see cref="VfioDevice"/>.</summary>
public enum DeviceState
{
    /// <summary>A cdev opened but not bound to an iommufd: only <see cref="VfioDevice.Bind"/> works.</summary>
    Open,

    /// <summary>A cdev bound to an iommufd: info, regions and interrupts work; DMA needs an attached IOAS (no-IOMMU cdevs stay here).</summary>
    Bound,

    /// <summary>Attached to its DMA space: a group device once its group is in a container, a cdev after <see cref="VfioDevice.Attach"/>.</summary>
    Attached,

    /// <summary>Disposed.</summary>
    Released,
}
