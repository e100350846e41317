namespace VfioSharp.Handles;

/// <summary>What a file descriptor is, as its <see cref="KernelFileHandle"/> type says; named in error messages.</summary>
public enum FdKind
{
    /// <summary>A descriptor of any kind (<see cref="GenericFileHandle"/>): for ioctls of headers other than VFIO's.</summary>
    Generic,

    /// <summary>A VFIO container, <c>/dev/vfio/vfio</c> (<see cref="ContainerHandle"/>).</summary>
    Container,

    /// <summary>A VFIO group, <c>/dev/vfio/N</c> or <c>/dev/vfio/noiommu-N</c> (<see cref="GroupHandle"/>).</summary>
    Group,

    /// <summary>A VFIO device, from a group or <c>/dev/vfio/devices/vfioN</c> (<see cref="DeviceHandle"/>).</summary>
    Device,

    /// <summary>An iommufd context, <c>/dev/iommu</c> (<see cref="IommufdHandle"/>).</summary>
    Iommufd,

    /// <summary>A device's migration data stream (<see cref="MigrationHandle"/>).</summary>
    Migration,

    /// <summary>A DMA buffer exported from a device region (<see cref="DmaBufHandle"/>).</summary>
    DmaBuf,
}
