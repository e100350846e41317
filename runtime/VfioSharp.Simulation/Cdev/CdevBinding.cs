using VfioSharp.Simulation.Iommufd;

namespace VfioSharp.Simulation.Cdev;

/// <summary>A device cdev fd bound to an iommufd: its device object and the IOAS it is attached to, if any.</summary>
internal sealed class CdevBinding(IommufdFile? iommufd, uint deviceId)
{
    /// <summary>The iommufd it is bound to; null for a no-IOMMU cdev bound with iommufd = -1.</summary>
    public IommufdFile? Iommufd { get; } = iommufd;

    public uint DeviceId { get; } = deviceId;

    public HwptObject? Attached { get; set; }
}
