using VfioSharp.Dma;
using VfioSharp.Kernel;

namespace VfioSharp.KernelSuite;

/// <summary>No-IOMMU modes: the device gets physical addresses, which the runtime reads from /proc/self/pagemap.</summary>
internal static class NoIommuScenarios
{
    public static Outcome PhysicalAddress(GuestEnvironment guest)
    {
        using var open = OpenDevice.Open(guest);
        using var buffer = DmaBuffer.Allocate(LinuxKernel.Instance, 4096);
        var mapping = open.Container.Map(buffer);
        var physical = Pagemap.Physical(buffer.Address);
        open.Container.Unmap(mapping);
        return Outcome.Check(physical is { } p && p == mapping.Iova && p != 0,
            $"the runtime's address 0x{mapping.Iova:x}, pagemap's 0x{physical ?? 0:x}");
    }
}
