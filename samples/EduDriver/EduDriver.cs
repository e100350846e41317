using VfioSharp;
using VfioSharp.Containers;
using VfioSharp.Devices;
using VfioSharp.Dma;
using VfioSharp.Interrupts;
using VfioSharp.Modes;
using VfioSharp.Uapi;
using static EduDriver.EduRegisters;

namespace EduDriver;

/// <summary>
/// A userspace driver for QEMU's edu device on the VfioSharp runtime: identify it, check liveness, compute a
/// factorial and wait for its interrupt, and move bytes through the DMA engine both ways, waiting for the DMA
/// interrupts; with an IOMMU, check that a DMA to an unmapped IOVA does not land.
/// </summary>
internal sealed class EduDriver(VfioDevice device, VfioContainer container, TimeSpan interruptTimeout)
{
    /// <summary>Runs every check in order and returns what each saw.</summary>
    public async Task<IReadOnlyList<EduCheck>> RunAsync(CancellationToken cancellationToken)
    {
        var checks = new List<EduCheck>();

        // First: MSI is a memory write by the device, so without bus mastering Linux's edu under QEMU drops
        // it (tests/kernel found the factorial's MSI missing when bus mastering came only before the DMA).
        device.EnableBusMaster();
        var id = device.Read32(Bar, Identification);
        checks.Add(new EduCheck("identification", (id & 0xff) == 0xed, $"0x{id:x8} (edu {id >> 24}.{(id >> 16) & 0xff})"));

        const uint probe = 0x1234_5678;
        device.Write32(Bar, Liveness, probe);
        var inverted = device.Read32(Bar, Liveness);
        checks.Add(new EduCheck("liveness", inverted == ~probe, $"wrote 0x{probe:x8}, read 0x{inverted:x8}"));

        using var interrupts = EnableInterrupts(out var kind);
        var vector = interrupts.Vectors[0];
        checks.Add(await FactorialAsync(vector, interrupts, kind, cancellationToken).ConfigureAwait(false));
        checks.AddRange(await DmaRoundTripAsync(vector, interrupts, kind, cancellationToken).ConfigureAwait(false));
        return checks;
    }

    private InterruptSet EnableInterrupts(out string kind)
    {
        try
        {
            kind = "MSI";
            return device.EnableInterrupts(vfio.VFIO_PCI_MSI_IRQ_INDEX, 1);
        }
        catch (VfioException)
        {
            kind = "INTx";
            return device.EnableInterrupts(vfio.VFIO_PCI_INTX_IRQ_INDEX, 1);
        }
    }

    private async Task<EduCheck> FactorialAsync(InterruptVector vector, InterruptSet interrupts, string kind, CancellationToken cancellationToken)
    {
        device.Write32(Bar, Status, StatusRaiseOnFactorial);
        device.Write32(Bar, Factorial, 10);
        var fired = await WaitAsync(vector, cancellationToken).ConfigureAwait(false);
        var cause = device.Read32(Bar, InterruptStatus);
        Acknowledge(interrupts, kind, cause);
        var result = device.Read32(Bar, Factorial);
        return new EduCheck($"factorial with {kind} interrupt", fired && (cause & FactorialInterrupt) != 0 && result == 3_628_800, $"10! = {result}, interrupt {(fired ? "received" : "missing")}, status 0x{cause:x}");
    }

    private async Task<IReadOnlyList<EduCheck>> DmaRoundTripAsync(InterruptVector vector, InterruptSet interrupts, string kind, CancellationToken cancellationToken)
    {
        using var buffer = DmaBuffer.Allocate(device.Vfio.Kernel, 4096);
        var mapping = container.Map(buffer);
        var checks = new List<EduCheck>();
        const int length = 1024;
        var pattern = Enumerable.Range(0, length).Select(i => (byte)(i * 7 + 3)).ToArray();
        pattern.CopyTo(buffer.Span);

        // RAM → device buffer, then device buffer → RAM 2 KiB further on.
        var inbound = await DmaAsync(mapping.Iova, DeviceBuffer, length, toRam: false, vector, interrupts, kind, cancellationToken).ConfigureAwait(false);
        var outbound = await DmaAsync(DeviceBuffer, mapping.Iova + 2048, length, toRam: true, vector, interrupts, kind, cancellationToken).ConfigureAwait(false);
        var landed = buffer.Span.Slice(2048, length).SequenceEqual(pattern);
        checks.Add(new EduCheck($"DMA round trip with {kind} interrupts", inbound && outbound && landed, $"{length} bytes at IOVA 0x{mapping.Iova:x} → device → IOVA 0x{mapping.Iova + 2048:x}: {(landed ? "identical" : "different")}"));

        if (container.Mode is VfioMode.Group or VfioMode.Cdev)
        {
            // The IOMMU must stop a DMA to an IOVA that is no longer mapped.
            container.Unmap(mapping);
            buffer.Span.Clear();
            await DmaAsync(DeviceBuffer, mapping.Iova, length, toRam: true, vector, interrupts, kind, cancellationToken).ConfigureAwait(false);
            var stayedClear = !buffer.Span[..length].ContainsAnyExcept((byte)0);
            checks.Add(new EduCheck("DMA to an unmapped IOVA", stayedClear, stayedClear ? "blocked by the IOMMU: the memory stayed untouched" : "landed in memory"));
        }
        else
        {
            container.Unmap(mapping);
        }

        return checks;
    }

    private async Task<bool> DmaAsync(ulong source, ulong destination, int count, bool toRam, InterruptVector vector, InterruptSet interrupts, string kind, CancellationToken cancellationToken)
    {
        device.Write64(Bar, DmaSource, source);
        device.Write64(Bar, DmaDestination, destination);
        device.Write64(Bar, DmaCount, (ulong)count);
        device.Write64(Bar, DmaCommand, DmaStart | DmaRaiseInterrupt | (toRam ? DmaToRam : 0));
        var fired = await WaitAsync(vector, cancellationToken).ConfigureAwait(false);
        Acknowledge(interrupts, kind, device.Read32(Bar, InterruptStatus));
        return fired && (device.Read64(Bar, DmaCommand) & DmaStart) == 0;
    }

    private async Task<bool> WaitAsync(InterruptVector vector, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(interruptTimeout);
        try
        {
            return await vector.WaitAsync(timeout.Token).ConfigureAwait(false) > 0;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private void Acknowledge(InterruptSet interrupts, string kind, uint cause)
    {
        device.Write32(Bar, InterruptAcknowledge, cause);
        if (kind == "INTx")
        {
            interrupts.Unmask();
        }
    }
}
