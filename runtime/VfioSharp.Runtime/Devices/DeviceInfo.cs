namespace VfioSharp.Devices;

/// <summary>What VFIO_DEVICE_GET_INFO reports of a device.</summary>
/// <param name="Flags">VFIO_DEVICE_FLAGS_*.</param>
/// <param name="RegionCount">The number of regions (9 for a PCI device without device-specific ones).</param>
/// <param name="IrqCount">The number of interrupt indexes (5 for PCI).</param>
public sealed record DeviceInfo(uint Flags, uint RegionCount, uint IrqCount)
{
    /// <summary>Whether VFIO_DEVICE_RESET is supported.</summary>
    public bool CanReset => (Flags & Uapi.vfio.VFIO_DEVICE_FLAGS_RESET) != 0;

    /// <summary>Whether it is a PCI device.</summary>
    public bool IsPci => (Flags & Uapi.vfio.VFIO_DEVICE_FLAGS_PCI) != 0;
}
