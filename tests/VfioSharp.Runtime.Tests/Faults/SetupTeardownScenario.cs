using VfioSharp.Dma;
using VfioSharp.Kernel;
using VfioSharp.Modes;
using VfioSharp.Runtime.Tests.Scenarios;

namespace VfioSharp.Runtime.Tests.Faults;

/// <summary>
/// The setup and teardown a driver does, as one sequence of kernel calls: open the runtime, set the device up,
/// allocate and map DMA memory, route MSI to an eventfd, touch a register, then release everything.
/// </summary>
internal static class SetupTeardownScenario
{
    public static void Run(IKernel kernel, VfioOptions options)
    {
        using var vfio = Vfio.Open(kernel, options);
        var device = vfio.OpenDevice(SimulatedMachines.Edu);
        using var buffer = DmaBuffer.Allocate(kernel, 4096);
        var mapping = vfio.DefaultContainer.Map(buffer);
        using (var interrupts = device.EnableInterrupts(Uapi.vfio.VFIO_PCI_MSI_IRQ_INDEX, 1))
        {
            _ = device.Read32(0, 0);
        }

        vfio.DefaultContainer.Unmap(mapping);
    }
}
