namespace EduDriver;

/// <summary>BAR0 of QEMU's edu device (hw/misc/edu.c, docs/specs/edu.rst).</summary>
internal static class EduRegisters
{
    public const uint Bar = 0;
    public const ulong Identification = 0x00;
    public const ulong Liveness = 0x04;
    public const ulong Factorial = 0x08;
    public const ulong Status = 0x20;
    public const ulong InterruptStatus = 0x24;
    public const ulong InterruptRaise = 0x60;
    public const ulong InterruptAcknowledge = 0x64;
    public const ulong DmaSource = 0x80;
    public const ulong DmaDestination = 0x88;
    public const ulong DmaCount = 0x90;
    public const ulong DmaCommand = 0x98;

    /// <summary>The device's DMA buffer, as the DMA engine addresses it.</summary>
    public const ulong DeviceBuffer = 0x40000;

    public const uint StatusRaiseOnFactorial = 0x80;
    public const uint FactorialInterrupt = 0x001;
    public const uint DmaInterrupt = 0x100;
    public const ulong DmaStart = 0x1;
    public const ulong DmaToRam = 0x2;
    public const ulong DmaRaiseInterrupt = 0x4;
}
