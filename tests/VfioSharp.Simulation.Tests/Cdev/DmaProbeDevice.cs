using VfioSharp.Simulation.Pci;

namespace VfioSharp.Simulation.Tests.Cdev;

/// <summary>A PCI device whose only behaviour is DMA on request: what a test needs to see where a device's DMA lands.</summary>
internal sealed class DmaProbeDevice() : SimulatedPciDevice(0x1234, 0x5678, 0xff0000)
{
    public override IReadOnlyList<ulong> BarSizes { get; } = [4096, 0, 0, 0, 0, 0];

    protected override ulong ReadRegister(int bar, ulong offset, int width) => 0;

    protected override void WriteRegister(int bar, ulong offset, int width, ulong value)
    {
    }

    /// <summary>Writes memory at a bus address; false when the IOMMU (or bus mastering) stopped it.</summary>
    public bool Write(ulong address, ReadOnlySpan<byte> source) => DmaWrite(address, source);

    /// <summary>Reads memory at a bus address; false when the IOMMU (or bus mastering) stopped it.</summary>
    public bool Read(ulong address, Span<byte> destination) => DmaRead(address, destination);
}
