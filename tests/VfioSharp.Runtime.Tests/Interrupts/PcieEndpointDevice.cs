using VfioSharp.Simulation.Pci;

namespace VfioSharp.Runtime.Tests.Interrupts;

/// <summary>A PCI Express endpoint with one 4 KiB BAR that reads as zero: vfio-pci offers it the ERR index (edu, conventional PCI, has none).</summary>
internal sealed class PcieEndpointDevice() : SimulatedPciDevice(0xabcd, 0x0002, 0xff0000)
{
    public override bool IsPciExpress => true;

    public override IReadOnlyList<ulong> BarSizes { get; } = [4096, 0, 0, 0, 0, 0];

    protected override ulong ReadRegister(int bar, ulong offset, int width) => 0;

    protected override void WriteRegister(int bar, ulong offset, int width, ulong value)
    {
    }
}
