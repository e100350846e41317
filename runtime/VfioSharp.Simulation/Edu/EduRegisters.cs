namespace VfioSharp.Simulation.Edu;

/// <summary>edu's BAR0 register map and bits (QEMU <c>hw/misc/edu.c</c>, docs/specs/edu.rst).</summary>
internal static class EduRegisters
{
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

    /// <summary>Major 1, minor 0, and 0xed: what offset 0 reads.</summary>
    public const uint IdentificationValue = 0x010000ed;

    public const uint StatusComputing = 0x01;
    public const uint StatusRaiseOnFactorial = 0x80;

    public const uint FactorialInterrupt = 0x001;
    public const uint DmaInterrupt = 0x100;

    public const ulong DmaRun = 0x1;
    public const ulong DmaToRam = 0x2;
    public const ulong DmaRaiseInterrupt = 0x4;

    /// <summary>Where the device's DMA buffer starts in the device's own address space (the DMA source or destination side).</summary>
    public const ulong BufferStart = 0x40000;
    public const int BufferSize = 4096;
}
