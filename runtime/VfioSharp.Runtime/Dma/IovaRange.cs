namespace VfioSharp.Dma;

/// <summary>An inclusive range of IOVAs the IOMMU can map.</summary>
/// <param name="Start">The first IOVA.</param>
/// <param name="Last">The last IOVA.</param>
public readonly record struct IovaRange(ulong Start, ulong Last)
{
    /// <summary>Whether the range holds all of [iova, iova + length).</summary>
    /// <param name="iova">The first IOVA.</param>
    /// <param name="length">The length; not 0.</param>
    /// <returns>True when it does.</returns>
    public bool Contains(ulong iova, ulong length) => length != 0 && iova >= Start && iova <= Last && length - 1 <= Last - iova;
}
