namespace VfioSharp.Simulation.Memory;

/// <summary>One IOMMU mapping.</summary>
/// <param name="Iova">Its first IOVA.</param>
/// <param name="Length">Its length in bytes.</param>
/// <param name="HostAddress">The process address it maps.</param>
/// <param name="Writable">Whether the device may write through it.</param>
internal sealed record IoMapping(ulong Iova, ulong Length, ulong HostAddress, bool Writable)
{
    public ulong Last => Iova + Length - 1;
}
