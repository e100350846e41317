using VfioSharp.Devices;
using VfioSharp.Interrupts;
using static EduDriver.EduRegisters;

namespace VfioSharp.KernelSuite;

/// <summary>
/// edu's factorial and DMA engine driven register by register, waiting for the interrupt on the eventfd of
/// <paramref name="interrupts"/> (MSI or INTx; INTx is masked by vfio-pci when it fires, so it is unmasked after
/// the acknowledgement, as a level-triggered line needs).
/// </summary>
internal sealed class EduEngine(VfioDevice device, InterruptSet interrupts, bool intx)
{
    private static readonly TimeSpan InterruptTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Copies <paramref name="count"/> bytes; true when the interrupt came and edu says the DMA completed.</summary>
    public bool Dma(ulong source, ulong destination, ulong count, bool toRam, out string detail)
    {
        device.Write64(Bar, DmaSource, source);
        device.Write64(Bar, DmaDestination, destination);
        device.Write64(Bar, DmaCount, count);
        device.Write64(Bar, DmaCommand, DmaStart | DmaRaiseInterrupt | (toRam ? DmaToRam : 0));
        var fired = interrupts.Vectors[0].Wait(InterruptTimeout);
        var cause = Acknowledge();
        var done = (device.Read64(Bar, DmaCommand) & DmaStart) == 0;
        detail = $"interrupt {(fired > 0 ? "received" : "missing")}, status 0x{cause:x}, {(done ? "completed" : "still running")}";
        return fired > 0 && (cause & DmaInterrupt) != 0 && done;
    }

    /// <summary>Computes n! on the device and waits for its interrupt.</summary>
    public bool Factorial(uint n, out uint result, out string detail)
    {
        device.Write32(Bar, Status, StatusRaiseOnFactorial);
        device.Write32(Bar, EduDriver.EduRegisters.Factorial, n);
        var fired = interrupts.Vectors[0].Wait(InterruptTimeout);
        var cause = Acknowledge();
        result = device.Read32(Bar, EduDriver.EduRegisters.Factorial);
        device.Write32(Bar, Status, 0);
        detail = $"{n}! = {result}, interrupt {(fired > 0 ? "received" : "missing")}, status 0x{cause:x}";
        return fired > 0 && (cause & FactorialInterrupt) != 0;
    }

    private uint Acknowledge()
    {
        var cause = device.Read32(Bar, InterruptStatus);
        device.Write32(Bar, InterruptAcknowledge, cause);
        if (intx)
        {
            interrupts.Unmask();
        }

        return cause;
    }
}
