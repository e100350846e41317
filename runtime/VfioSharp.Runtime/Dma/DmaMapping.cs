namespace VfioSharp.Dma;

/// <summary>A range of a <see cref="DmaBuffer"/> the device can reach at <see cref="Iova"/> (a physical address in no-IOMMU modes).</summary>
/// <param name="Iova">The address the device uses.</param>
/// <param name="Length">The length in bytes.</param>
/// <param name="Address">The process address of the same memory.</param>
public readonly record struct DmaMapping(ulong Iova, ulong Length, nint Address)
{
    /// <summary>The last address the device may use.</summary>
    public ulong LastIova => Iova + Length - 1;
}
