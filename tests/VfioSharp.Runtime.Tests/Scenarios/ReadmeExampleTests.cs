using VfioSharp.Dma;
using VfioSharp.Pci;
using VfioSharp.Runtime.Tests.Infrastructure;

namespace VfioSharp.Runtime.Tests.Scenarios;

/// <summary>
/// README.md's runtime example, compiled and run on the simulated edu in every mode: from <c>using var device</c>
/// on, the body is the README's text (keep the two the same) plus the line that fills the buffer, then the test
/// checks what the DMA brought in.
/// </summary>
public sealed class ReadmeExampleTests
{
    [Theory]
    [MemberData(nameof(SimulatedMachine.Variants), MemberType = typeof(SimulatedMachine))]
    public async Task The_readme_example_copies_a_buffer_into_edu_and_waits_for_its_MSI(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var cancellationToken = cancel.Token;
        using (var host = machine.Open())
        {
            using var device = host.OpenDevice(PciAddress.Parse("0000:00:01.0"));   // the whole VFIO dance
            var bar0 = device.Regions.Bar(0);                          // width-exact MMIO with the barriers a driver needs
            device.Regions.ConfigSpace.EnableBusMaster();              // DMA and MSI are memory writes by the device
            using var buffer = DmaBuffer.Allocate(host.Kernel, 4096);  // anonymous mmap: the GC never moves it
            var mapping = host.DefaultContainer.Map(buffer);           // IOVA chosen inside the kernel's IOVA ranges
            using var msi = device.Interrupts.EnableMsi();             // one eventfd per vector
            using var request = device.Interrupts.EnableRequest();     // the host asking for the device back
            buffer.Span[..64].Fill(0x5a);
            bar0.Write64(0x80, mapping.Iova);                          // edu: DMA from this IOVA
            bar0.Write64(0x88, 0x40000);                               //      into its own buffer
            bar0.Write64(0x90, 64);                                    //      64 bytes,
            bar0.Write64(0x98, 0x1 | 0x4);                             //      start, then raise the interrupt
            await msi.Vectors[0].WaitAsync(cancellationToken);         // async, cancellable

            Assert.Equal(0x5a5a5a5au, machine.EduDevice.BufferWord(60));
            Assert.Equal(0u, machine.EduDevice.BufferWord(64));
            Assert.Equal(0x100u, bar0.Read32(0x24));
            Assert.Empty(machine.Kernel.IommuFaults);
        }

        machine.AssertNothingLeft();
    }
}
