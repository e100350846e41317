namespace VfioSharp.Simulation.Memory;

/// <summary>A DMA that found no mapping: what the IOMMU would have logged (a DMAR fault), and why it didn't land.</summary>
/// <param name="Device">The PCI address of the device that attempted it.</param>
/// <param name="Address">The bus address (IOVA, or physical without an IOMMU).</param>
/// <param name="Length">Its length in bytes.</param>
/// <param name="Write">Whether the device tried to write memory.</param>
public sealed record IommuFault(string Device, ulong Address, ulong Length, bool Write);
