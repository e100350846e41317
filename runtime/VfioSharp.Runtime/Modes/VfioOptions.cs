namespace VfioSharp.Modes;

/// <summary>How <see cref="Vfio.Open"/> chooses its mode.</summary>
public sealed class VfioOptions
{
    /// <summary>
    /// Allows the no-IOMMU modes, where a device can DMA anywhere in memory. Never chosen silently: without this
    /// a machine that offers only no-IOMMU access is an error that says so.
    /// </summary>
    public bool AllowNoIommu { get; init; }

    /// <summary>A mode to use instead of choosing one; an error when the machine can't provide it.</summary>
    public VfioMode? Mode { get; init; }
}
