using System.Buffers.Binary;
using System.Globalization;
using VfioSharp.Simulation.Pci;
using static VfioSharp.Simulation.Edu.EduRegisters;

namespace VfioSharp.Simulation.Edu;

/// <summary>
/// QEMU's educational PCI device as of QEMU 7.2 (<c>hw/misc/edu.c</c>; vendor 0x1234, device 0x11e8, revision
/// 0x10, class 0x00ff00, conventional PCI): identification and liveness registers, a factorial unit, an
/// interrupt raise/acknowledge pair, and a DMA engine that copies between RAM (through the IOMMU, or physical
/// addresses without one) and a 4 KiB buffer inside the device. One MSI vector (64-bit, no masking) and INTA;
/// no reset, no PCI Express, no option ROM.
/// </summary>
/// <remarks>
/// <para>
/// BAR0 is 1 MiB. On real Linux all of it is mmap-able and every load and store traps into QEMU's
/// <c>edu_mmio_read</c>/<c>edu_mmio_write</c>. The simulation can't trap loads and stores to mapped memory, so
/// it reports the register page (the first 4 KiB) as not mmap-able: BAR0's region info has
/// VFIO_REGION_INFO_FLAG_MMAP and a sparse-mmap capability whose one area is 0x1000..0x100000. Drivers reach
/// the registers through pread/pwrite of the BAR region; the area is plain memory that reads as all ones until
/// written (edu itself answers all ones there and drops writes).
/// </para>
/// <para>
/// Registers below 0x80 take 4-byte accesses, those from 0x80 take 4 or 8; any other access reads all ones and
/// writes nothing. A DMA starts when a value with bit 0 is written to the command register and completes after
/// <see cref="CompletionDelay"/> (QEMU: 100 ms of virtual time; default here: at once), then bit 0 clears and,
/// if bit 2 was set, the DMA interrupt is raised. Interrupts go out as MSI vector 0 while MSI is enabled in the
/// MSI capability (vfio-pci enables it for VFIO_DEVICE_SET_IRQS on the MSI index), else on INTx.
/// </para>
/// </remarks>
public sealed class EduDevice : SimulatedPciDevice, IDisposable
{
    private const ulong BarSize = 1 << 20;
    private const ulong RegisterPage = 0x1000;

    private readonly byte[] _buffer = new byte[BufferSize];
    private readonly List<string> _guestErrors = [];
    private uint _liveness;
    private uint _factorial;
    private uint _status;
    private uint _interruptStatus;
    private ulong _dmaSource;
    private ulong _dmaDestination;
    private ulong _dmaCount;
    private ulong _dmaCommand;
    private bool _unrealized;

    /// <summary>Builds an edu device.</summary>
    /// <param name="dmaMaskBits">The DMA mask: QEMU's edu clamps addresses to 28 bits unless <c>dma_mask</c> is set.</param>
    public EduDevice(int dmaMaskBits = 28)
        : base(0x1234, 0x11e8, 0x00ff00, revision: 0x10)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dmaMaskBits);
        DmaMask = dmaMaskBits >= 64 ? ulong.MaxValue : (1UL << dmaMaskBits) - 1;
    }

    /// <summary>The bits of a DMA address the device keeps (it clamps the rest away, as QEMU's edu does).</summary>
    public ulong DmaMask { get; }

    /// <summary>How long a factorial or a DMA takes; zero (the default) completes it within the register write that starts it.</summary>
    public TimeSpan CompletionDelay { get; init; }

    /// <summary>DMAs that moved no bytes: bus mastering off, a transfer outside the device buffer, or an IOMMU fault.</summary>
    public int FailedDmaCount { get; private set; }

    /// <summary>
    /// What QEMU would have logged as a guest error or stopped the machine for (<c>hw_error</c> in 7.2's range
    /// check): DMA ranges outside the device buffer, clamped addresses, DMAs that did not land.
    /// </summary>
    public IReadOnlyList<string> GuestErrors => _guestErrors;

    /// <inheritdoc/>
    public override IReadOnlyList<ulong> BarSizes { get; } = [BarSize, 0, 0, 0, 0, 0];

    /// <inheritdoc/>
    protected override byte MmapAreaFill => 0xff;

    /// <inheritdoc/>
    /// <remarks>All of BAR0 but its register page: see the class remarks for why the register page is excluded.</remarks>
    public override IReadOnlyList<(ulong Offset, ulong Size)> MmapAreas(int bar) => bar == 0 ? [(RegisterPage, BarSize - RegisterPage)] : [];

    /// <summary>The device's DMA buffer, for tests that check what a DMA brought in.</summary>
    /// <returns>A copy of the 4 KiB buffer.</returns>
    public byte[] BufferSnapshot() => (byte[])_buffer.Clone();

    /// <summary>
    /// Takes the device out of the machine as QEMU's <c>pci_edu_uninit</c> does: the factorial thread stops and
    /// the DMA timer is deleted, so a factorial or DMA still pending (<see cref="CompletionDelay"/>) never
    /// completes and raises no interrupt.
    /// </summary>
    public void Dispose() => _unrealized = true;

    /// <summary>Reads the 32-bit value at <paramref name="offset"/> in the DMA buffer.</summary>
    /// <param name="offset">Offset in the buffer.</param>
    /// <returns>The value.</returns>
    public uint BufferWord(int offset) => BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(offset, 4));

    /// <inheritdoc/>
    protected internal override ulong ReadRegister(int bar, ulong offset, int width)
    {
        var allOnes = width == 8 ? ulong.MaxValue : (1UL << (width * 8)) - 1;
        if (bar != 0 || !Answers(offset, width))
        {
            return allOnes;
        }

        ulong value = offset switch
        {
            Identification => IdentificationValue,
            Liveness => _liveness,
            Factorial => _factorial,
            Status => _status,
            InterruptStatus => _interruptStatus,
            DmaSource => _dmaSource,
            DmaDestination => _dmaDestination,
            DmaCount => _dmaCount,
            DmaCommand => _dmaCommand,
            _ => ulong.MaxValue,
        };
        return value & allOnes;
    }

    /// <inheritdoc/>
    protected internal override void WriteRegister(int bar, ulong offset, int width, ulong value)
    {
        if (bar != 0 || !Answers(offset, width))
        {
            return;
        }

        var dmaRunning = (_dmaCommand & DmaRun) != 0;
        switch (offset)
        {
            case Liveness:
                _liveness = ~(uint)value;
                break;
            case Factorial when (_status & StatusComputing) == 0:
                StartFactorial((uint)value);
                break;
            case Status:
                _status = (_status & ~StatusRaiseOnFactorial) | ((uint)value & StatusRaiseOnFactorial);
                break;
            case InterruptRaise:
                Raise((uint)value);
                break;
            case InterruptAcknowledge:
                Lower((uint)value);
                break;

            // The DMA registers are frozen while a transfer runs.
            case DmaSource when !dmaRunning:
                _dmaSource = value;
                break;
            case DmaDestination when !dmaRunning:
                _dmaDestination = value;
                break;
            case DmaCount when !dmaRunning:
                _dmaCount = value;
                break;
            case DmaCommand when !dmaRunning && (value & DmaRun) != 0:
                _dmaCommand = value;
                After(CompletionDelay, RunDma);
                break;
        }
    }

    /// <summary>edu_mmio_read/write's size rules: 4 bytes below 0x80, 4 or 8 from 0x80.</summary>
    private static bool Answers(ulong offset, int width) => offset < 0x80 ? width == 4 : width is 4 or 8;

    private void StartFactorial(uint n)
    {
        // The input reads back until the result replaces it, as QEMU's factorial thread does.
        _factorial = n;
        _status |= StatusComputing;
        After(CompletionDelay, () =>
        {
            if (_unrealized)
            {
                return;
            }

            uint result = 1;
            for (var i = n; i > 0; i--)
            {
                result *= i;
            }

            _factorial = result;
            _status &= ~StatusComputing;
            if ((_status & StatusRaiseOnFactorial) != 0)
            {
                Raise(FactorialInterrupt);
            }
        });
    }

    /// <summary>edu_dma_timer.</summary>
    private void RunDma()
    {
        if (_unrealized || (_dmaCommand & DmaRun) == 0)
        {
            return;
        }

        var toRam = (_dmaCommand & DmaToRam) != 0;
        var count = _dmaCount;
        var bufferAddress = toRam ? _dmaSource : _dmaDestination;
        var busAddress = toRam ? _dmaDestination : _dmaSource;
        if (!InsideBuffer(bufferAddress, count))
        {
            // QEMU 7.2 stops the whole machine here (hw_error); later versions log and overrun their buffer.
            // The simulation refuses the transfer and records what happened.
            GuestError($"DMA range 0x{bufferAddress:x16}-0x{bufferAddress + count - 1:x16} out of bounds (0x{BufferStart:x16}-0x{BufferStart + BufferSize - 1:x16})");
            FailedDmaCount++;
        }
        else
        {
            var clamped = busAddress & DmaMask;
            if (clamped != busAddress)
            {
                GuestError($"clamping DMA 0x{busAddress:x16} to 0x{clamped:x16}");
            }

            var window = _buffer.AsSpan((int)(bufferAddress - BufferStart), (int)count);
            if (!(toRam ? DmaWrite(clamped, window) : DmaRead(clamped, window)))
            {
                GuestError($"DMA {(toRam ? "to" : "from")} 0x{clamped:x16} ({count} bytes) did not complete: {(BusMaster ? "IOMMU fault" : "bus mastering is off")}");
                FailedDmaCount++;
            }
        }

        _dmaCommand &= ~DmaRun;
        if ((_dmaCommand & DmaRaiseInterrupt) != 0)
        {
            Raise(DmaInterrupt);
        }
    }

    /// <summary>
    /// QEMU 7.2's edu_check_range: the transfer must start inside the buffer, move at least one byte, and end
    /// strictly before the buffer's end (so a full 4096-byte transfer is refused, as 7.2 refuses it).
    /// </summary>
    private static bool InsideBuffer(ulong start, ulong count)
    {
        const ulong end = BufferStart + BufferSize;
        var last = start + count;
        return start >= BufferStart && start < end && last > start && last < end;
    }

    /// <summary>edu_raise_irq: MSI vector 0 while MSI is enabled, else the INTx line.</summary>
    private void Raise(uint bits)
    {
        _interruptStatus |= bits;
        if (_interruptStatus != 0 && !SendMsi(0))
        {
            SetInterruptLine(true);
        }
    }

    /// <summary>edu_lower_irq: the line drops once no cause is left (with MSI there is no line to drop).</summary>
    private void Lower(uint bits)
    {
        _interruptStatus &= ~bits;
        if (_interruptStatus == 0 && !MsiEnabled)
        {
            SetInterruptLine(false);
        }
    }

    private void GuestError(string message) => _guestErrors.Add(string.Create(CultureInfo.InvariantCulture, $"EDU: {message}"));
}
