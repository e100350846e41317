using VfioSharp.Simulation.Memory;

namespace VfioSharp.Simulation.Pci;

/// <summary>
/// A PCI function as vfio-pci sees it: config space, memory BARs with register semantics, an INTx pin and MSI
/// vectors, DMA through whatever the host set up (an IOMMU domain or, without one, physical addresses).
/// Subclasses model a device (<see cref="Edu.EduDevice"/>).
/// </summary>
public abstract class SimulatedPciDevice
{
    private readonly byte[] _config;

    /// <summary>Builds the device's config space header (type 0).</summary>
    /// <param name="vendorId">PCI vendor ID.</param>
    /// <param name="deviceId">PCI device ID.</param>
    /// <param name="classCode">The 24-bit class code.</param>
    protected SimulatedPciDevice(ushort vendorId, ushort deviceId, uint classCode)
    {
        _config = new byte[ConfigSize];
        VendorId = vendorId;
        DeviceId = deviceId;
        ClassCode = classCode;
        BitConverter.TryWriteBytes(_config.AsSpan(0x00), vendorId);
        BitConverter.TryWriteBytes(_config.AsSpan(0x02), deviceId);
        _config[0x09] = (byte)classCode;
        _config[0x0a] = (byte)(classCode >> 8);
        _config[0x0b] = (byte)(classCode >> 16);

        // The kernel enabled memory decode when it probed the device; bus mastering is the driver's to enable.
        _config[0x04] = 0x02;
    }

    /// <summary>PCI vendor ID.</summary>
    public ushort VendorId { get; }

    /// <summary>PCI device ID.</summary>
    public ushort DeviceId { get; }

    /// <summary>The 24-bit class code.</summary>
    public uint ClassCode { get; }

    /// <summary>The size of config space: 256 for conventional PCI, 4096 for PCI Express.</summary>
    public virtual int ConfigSize => 256;

    /// <summary>Whether the device is PCI Express (then it has the ERR interrupt).</summary>
    public virtual bool IsPciExpress => false;

    /// <summary>Whether the device has an INTx pin.</summary>
    public virtual bool HasInterruptPin => true;

    /// <summary>How many MSI vectors its MSI capability offers (0: no MSI).</summary>
    public virtual int MsiVectors => 1;

    /// <summary>Whether vfio-pci can reset it (FLR, PM reset or a bus reset); edu can't.</summary>
    public virtual bool SupportsReset => false;

    /// <summary>The size of each of the six BARs (0: not implemented).</summary>
    public abstract IReadOnlyList<ulong> BarSizes { get; }

    /// <summary>
    /// The parts of a BAR that can be mmap'ed (offset, size), reported as a sparse-mmap capability; none: the
    /// BAR is reached through pread/pwrite only.
    /// </summary>
    public virtual IReadOnlyList<(ulong Offset, ulong Size)> MmapAreas(int bar) => [];

    /// <summary>Whether the driver enabled bus mastering in the command register: without it, the device's DMA does nothing.</summary>
    public bool BusMaster => (_config[0x04] & 0x04) != 0;

    /// <summary>Whether memory decode is on: without it, BAR accesses fail (vfio-pci returns EIO).</summary>
    public bool MemoryDecode => (_config[0x04] & 0x02) != 0;

    internal DmaWindow? Dma { get; set; }

    internal Action<bool>? IntxLine { get; set; }

    internal Func<int, bool>? MsiTrigger { get; set; }

    /// <summary>Reads a register of a BAR: one access of <paramref name="width"/> bytes.</summary>
    /// <param name="bar">The BAR.</param>
    /// <param name="offset">The offset in the BAR, aligned to <paramref name="width"/>.</param>
    /// <param name="width">1, 2, 4 or 8.</param>
    /// <returns>The value read.</returns>
    protected internal abstract ulong ReadRegister(int bar, ulong offset, int width);

    /// <summary>Writes a register of a BAR: one access of <paramref name="width"/> bytes.</summary>
    /// <param name="bar">The BAR.</param>
    /// <param name="offset">The offset in the BAR, aligned to <paramref name="width"/>.</param>
    /// <param name="width">1, 2, 4 or 8.</param>
    /// <param name="value">The value written.</param>
    protected internal abstract void WriteRegister(int bar, ulong offset, int width, ulong value);

    /// <summary>Native memory behind an mmap-able area of a BAR.</summary>
    /// <param name="bar">The BAR.</param>
    /// <param name="offset">The area's offset.</param>
    /// <returns>The address of the area's memory.</returns>
    protected internal virtual nint AreaMemory(int bar, ulong offset) => 0;

    /// <summary>Reads memory by DMA; false when it did not happen (bus mastering off, or an IOMMU fault).</summary>
    /// <param name="address">The bus address (IOVA, or physical without an IOMMU).</param>
    /// <param name="destination">Where the bytes go.</param>
    /// <returns>Whether the bytes were read.</returns>
    protected bool DmaRead(ulong address, Span<byte> destination) => BusMaster && Dma is { } dma && dma.TryRead(address, destination);

    /// <summary>Writes memory by DMA; false when it did not land.</summary>
    /// <param name="address">The bus address.</param>
    /// <param name="source">The bytes to write.</param>
    /// <returns>Whether the bytes landed.</returns>
    protected bool DmaWrite(ulong address, ReadOnlySpan<byte> source) => BusMaster && Dma is { } dma && dma.TryWrite(address, source);

    /// <summary>Raises or lowers the INTx line.</summary>
    /// <param name="asserted">The line's new level.</param>
    protected void SetInterruptLine(bool asserted) => IntxLine?.Invoke(asserted);

    /// <summary>Sends MSI vector <paramref name="vector"/>; false when MSI is not enabled.</summary>
    /// <param name="vector">The vector.</param>
    /// <returns>Whether MSI is enabled and the message was sent.</returns>
    protected bool SendMsi(int vector) => MsiTrigger?.Invoke(vector) ?? false;

    /// <summary>Reads config space as the device presents it.</summary>
    internal void ReadConfig(int offset, Span<byte> destination)
    {
        // The interrupt pin register says whether INTx exists (read here: a constructor can't ask a subclass).
        _config[0x3d] = (byte)(HasInterruptPin ? 1 : 0);
        _config.AsSpan(offset, destination.Length).CopyTo(destination);
    }

    /// <summary>Writes config space: only the command register is writable here (vfio-pci virtualizes the rest).</summary>
    internal void WriteConfig(int offset, ReadOnlySpan<byte> source)
    {
        for (var i = 0; i < source.Length; i++)
        {
            var at = offset + i;
            if (at is 0x04 or 0x05)
            {
                // Memory decode, bus master, INTx disable (bit 10) are what a driver changes.
                _config[at] = at == 0x04 ? (byte)(source[i] & 0x07) : (byte)(source[i] & 0x04);
            }
        }
    }

    /// <summary>Back to power-on state, as a reset does.</summary>
    internal virtual void Reset() => _config[0x04] = 0x02;
}
