using VfioSharp.Dma;
using VfioSharp.Kernel;
using static EduDriver.EduRegisters;

namespace VfioSharp.KernelSuite;

/// <summary>
/// RAM → edu → RAM through the runtime's DMA mapping (an IOVA with an IOMMU, the physical address without), with
/// the completion interrupts over eventfd: MSI, then INTx.
/// </summary>
internal static class DmaScenarios
{
    // QEMU 7.2's edu aborts on a DMA that ends at its buffer's end (0x41000): stay well below 4096 bytes.
    private const int Length = 1024;

    public static Outcome WithMsi(GuestEnvironment guest) => RoundTrip(guest, intx: false);

    public static Outcome WithIntx(GuestEnvironment guest) => RoundTrip(guest, intx: true);

    private static Outcome RoundTrip(GuestEnvironment guest, bool intx)
    {
        using var open = OpenDevice.Open(guest);
        using var interrupts = intx ? open.Device.Interrupts.EnableIntx() : open.Device.Interrupts.EnableMsi();
        var edu = new EduEngine(open.Device, interrupts, intx);
        var factorial = edu.Factorial(10, out var result, out var factorialDetail);

        using var buffer = DmaBuffer.Allocate(LinuxKernel.Instance, 4096);
        var mapping = open.Container.Map(buffer);
        var pattern = new byte[Length];
        for (var i = 0; i < Length; i++)
        {
            pattern[i] = (byte)((i * 13) + (intx ? 5 : 1));
        }

        pattern.CopyTo(buffer.Span);
        buffer.Span.Slice(2048, Length).Clear();
        var inbound = edu.Dma(mapping.Iova, DeviceBuffer, Length, toRam: false, out var inDetail);
        var outbound = edu.Dma(DeviceBuffer, mapping.Iova + 2048, Length, toRam: true, out var outDetail);
        var landed = buffer.Span.Slice(2048, Length).SequenceEqual(pattern);
        open.Container.Unmap(mapping);
        return Outcome.Check(
            factorial && result == 3_628_800 && inbound && outbound && landed,
            $"{interrupts.Name}: factorial {factorialDetail}; {Length} bytes 0x{mapping.Iova:x} → device ({inDetail}) → 0x{mapping.Iova + 2048:x} ({outDetail}): {(landed ? "identical" : "different")}");
    }
}
