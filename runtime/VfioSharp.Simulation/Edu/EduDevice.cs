using System.Buffers.Binary;
using System.Runtime.InteropServices;
using VfioSharp.Simulation.Pci;

namespace VfioSharp.Simulation.Edu;

/// <summary>
/// QEMU's educational PCI device (<c>hw/misc/edu.c</c>, vendor 0x1234, device 0x11e8): identification and
/// liveness registers, a factorial unit, an interrupt raise/acknowledge pair, and a DMA engine that copies
/// between RAM (through the IOMMU) and a 4 KiB buffer inside the device.
/// </summary>
/// <remarks>
/// BAR0 is 1 MiB. On real Linux all of it is mmap-able and every load and store traps into QEMU; a simulation
/// can't trap loads and stores, so this device reports the register page (the first 4 KiB) as not mmap-able
/// — drivers reach it through pread/pwrite of the BAR region — and the rest of the BAR as a sparse-mmap area
/// of plain memory (which edu ignores anyway). Factorials and DMAs complete within the register write that
/// starts them (QEMU completes DMA on a 100 ms timer; a driver polls or waits for the interrupt either way).
/// </remarks>
public sealed class EduDevice : SimulatedPciDevice, IDisposable
{
    private const ulong BarSize = 1 << 20;
    private const ulong RegisterPage = 0x1000;
    private const ulong BufferStart = 0x40000;
    private const int BufferSize = 4096;
    private const uint FactorialComputing = 0x01;
    private const uint FactorialRaisesIrq = 0x80;
    private const uint FactorialIrq = 0x001;
    private const uint DmaIrq = 0x100;

    private readonly byte[] _buffer = new byte[BufferSize];
    private nint _areaMemory;
    private uint _liveness;
    private uint _factorial;
    private uint _status;
    private uint _interruptStatus;
    private ulong _dmaSource;
    private ulong _dmaDestination;
    private ulong _dmaCount;
    private ulong _dmaCommand;

    /// <summary>Builds an edu device.</summary>
    /// <param name="dmaMaskBits">The DMA mask: QEMU's edu clamps addresses to 28 bits unless <c>dma_mask</c> is set.</param>
    public EduDevice(int dmaMaskBits = 28)
        : base(0x1234, 0x11e8, 0x00ff00)
    {
        DmaMask = dmaMaskBits >= 64 ? ulong.MaxValue : (1UL << dmaMaskBits) - 1;
    }

    /// <summary>The bits of a DMA address the device keeps (it clamps the rest away, as QEMU's edu does).</summary>
    public ulong DmaMask { get; }

    /// <summary>DMAs that moved no bytes: bus mastering off, an address outside the buffer, or an IOMMU fault.</summary>
    public int FailedDmaCount { get; private set; }

    /// <inheritdoc/>
    public override IReadOnlyList<ulong> BarSizes { get; } = [BarSize, 0, 0, 0, 0, 0];

    /// <inheritdoc/>
    public override IReadOnlyList<(ulong Offset, ulong Size)> MmapAreas(int bar) => bar == 0 ? [(RegisterPage, BarSize - RegisterPage)] : [];

    /// <inheritdoc/>
    public unsafe void Dispose()
    {
        if (_areaMemory != 0)
        {
            // SAFETY: allocated once by AreaMemory and not handed out after this.
            NativeMemory.AlignedFree((void*)_areaMemory);
            _areaMemory = 0;
        }
    }

    /// <inheritdoc/>
    protected internal override unsafe nint AreaMemory(int bar, ulong offset)
    {
        if (bar != 0 || offset != RegisterPage)
        {
            return 0;
        }

        if (_areaMemory == 0)
        {
            // SAFETY: zeroed, page-aligned memory the size of the area, freed in Dispose.
            _areaMemory = (nint)NativeMemory.AlignedAlloc((nuint)(BarSize - RegisterPage), 4096);
            NativeMemory.Clear((void*)_areaMemory, (nuint)(BarSize - RegisterPage));
        }

        return _areaMemory;
    }

    /// <inheritdoc/>
    protected internal override ulong ReadRegister(int bar, ulong offset, int width)
    {
        // edu answers 4-byte accesses below 0x80 and 4- or 8-byte accesses from 0x80; others read as all ones.
        if (bar != 0 || (offset < 0x80 && width != 4) || (offset >= 0x80 && width is not (4 or 8)))
        {
            return width == 8 ? ulong.MaxValue : (1UL << (width * 8)) - 1;
        }

        return offset switch
        {
            0x00 => 0x010000ed,
            0x04 => _liveness,
            0x08 => _factorial,
            0x20 => _status,
            0x24 => _interruptStatus,
            0x80 => _dmaSource,
            0x88 => _dmaDestination,
            0x90 => _dmaCount,
            0x98 => _dmaCommand,
            _ => width == 8 ? ulong.MaxValue : uint.MaxValue,
        };
    }

    /// <inheritdoc/>
    protected internal override void WriteRegister(int bar, ulong offset, int width, ulong value)
    {
        if (bar != 0 || (offset < 0x80 && width != 4) || (offset >= 0x80 && width is not (4 or 8)))
        {
            return;
        }

        switch (offset)
        {
            case 0x04:
                _liveness = ~(uint)value;
                break;
            case 0x08 when (_status & FactorialComputing) == 0:
                ComputeFactorial((uint)value);
                break;
            case 0x20:
                _status = (_status & ~FactorialRaisesIrq) | ((uint)value & FactorialRaisesIrq);
                break;
            case 0x60:
                Raise((uint)value);
                break;
            case 0x64:
                Lower((uint)value);
                break;
            case 0x80:
                _dmaSource = value;
                break;
            case 0x88:
                _dmaDestination = value;
                break;
            case 0x90:
                _dmaCount = value;
                break;
            case 0x98 when (_dmaCommand & 1) == 0:
                _dmaCommand = value;
                if ((value & 1) != 0)
                {
                    RunDma();
                }

                break;
        }
    }

    internal override void Reset()
    {
        base.Reset();
        _status = 0;
        _interruptStatus = 0;
        _dmaCommand = 0;
    }

    private void ComputeFactorial(uint n)
    {
        _status |= FactorialComputing;
        uint result = 1;
        for (uint i = 2; i <= n; i++)
        {
            result *= i;
        }

        _factorial = result;
        _status &= ~FactorialComputing;
        if ((_status & FactorialRaisesIrq) != 0)
        {
            Raise(FactorialIrq);
        }
    }

    private void RunDma()
    {
        var toRam = (_dmaCommand & 2) != 0;
        var count = _dmaCount;
        var bufferAddress = toRam ? _dmaSource : _dmaDestination;
        var busAddress = (toRam ? _dmaDestination : _dmaSource) & DmaMask;
        var moved = false;
        if (bufferAddress >= BufferStart && count <= BufferSize && bufferAddress - BufferStart <= BufferSize - count)
        {
            var window = _buffer.AsSpan((int)(bufferAddress - BufferStart), (int)count);
            moved = toRam ? DmaWrite(busAddress, window) : DmaRead(busAddress, window);
        }

        if (!moved)
        {
            FailedDmaCount++;
        }

        _dmaCommand &= ~1UL;
        if ((_dmaCommand & 4) != 0)
        {
            Raise(DmaIrq);
        }
    }

    private void Raise(uint bits)
    {
        _interruptStatus |= bits;
        if (!SendMsi(0))
        {
            SetInterruptLine(true);
        }
    }

    private void Lower(uint bits)
    {
        _interruptStatus &= ~bits;
        if (_interruptStatus == 0)
        {
            SetInterruptLine(false);
        }
    }

    /// <summary>The device's DMA buffer, for tests that check what a DMA brought in.</summary>
    /// <returns>A copy of the 4 KiB buffer.</returns>
    public byte[] BufferSnapshot() => (byte[])_buffer.Clone();

    /// <summary>Reads the 32-bit value at <paramref name="offset"/> in the DMA buffer.</summary>
    /// <param name="offset">Offset in the buffer.</param>
    /// <returns>The value.</returns>
    public uint BufferWord(int offset) => BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(offset, 4));
}
