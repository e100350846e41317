using VfioSharp.Simulation.Pci;

namespace VfioSharp.Tool.Tests.Machines;

/// <summary>An Intel 82574L network function (8086:10d3, class 020000) as a host driver (e1000e) would own it: registers that read 0.</summary>
internal sealed class NicDevice() : SimulatedPciDevice(0x8086, 0x10d3, 0x020000)
{
    public override IReadOnlyList<ulong> BarSizes { get; } = [0x20000, 0, 0, 0, 0, 0];

    protected override ulong ReadRegister(int bar, ulong offset, int width) => 0;

    protected override void WriteRegister(int bar, ulong offset, int width, ulong value)
    {
    }
}
