namespace VfioSharp.Regions;

/// <summary>
/// A PCI device's configuration space as vfio-pci shows it (region 7, through pread/pwrite: vfio-pci
/// virtualizes parts of it, e.g. the BARs and the MSI/MSI-X enable bits, so it is never mapped):
/// identification, the command register, capabilities.
/// </summary>
/// <remarks>
/// Read-modify-write helpers (<see cref="EnableBusMaster"/>) are serialized per device, so two threads can't
/// lose each other's bits; plain reads and writes may come from any thread.
/// </remarks>
public sealed class ConfigSpace
{
    /// <summary>The command register's offset (PCI_COMMAND).</summary>
    public const int CommandOffset = 0x04;

    /// <summary>PCI_COMMAND_MEMORY: the device decodes accesses to its memory BARs.</summary>
    public const ushort CommandMemorySpace = 1 << 1;

    /// <summary>PCI_COMMAND_MASTER: the device may issue DMA (and MSI, which is a memory write).</summary>
    public const ushort CommandBusMaster = 1 << 2;

    /// <summary>PCI_COMMAND_INTX_DISABLE: the device must not assert INTx.</summary>
    public const ushort CommandIntxDisable = 1 << 10;

    private const int StatusOffset = 0x06;
    private const ushort StatusCapabilityList = 1 << 4;
    private const int CapabilityPointerOffset = 0x34;
    private const int StandardSize = 256;
    private readonly MmioAccess _access;
    private readonly Lock _readModifyWrite = new();

    internal ConfigSpace(MmioAccess access)
    {
        _access = access;
    }

    /// <summary>The config region (size 256 for conventional PCI, 4096 for PCIe).</summary>
    public RegionInfo Info => _access.Info;

    /// <summary>The vendor id (offset 0).</summary>
    public ushort VendorId => Read16(0x00);

    /// <summary>The device id (offset 2).</summary>
    public ushort DeviceId => Read16(0x02);

    /// <summary>The command register (offset 4).</summary>
    public ushort Command => Read16(CommandOffset);

    /// <summary>Reads a byte of config space.</summary>
    /// <param name="offset">The offset.</param>
    /// <returns>The value.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The offset lies outside config space.</exception>
    /// <exception cref="VfioException">The kernel refused.</exception>
    public byte Read8(int offset) => _access.Read8(Offset(offset));

    /// <summary>Reads 16 bits of config space.</summary>
    /// <param name="offset">The offset, 2-byte aligned.</param>
    /// <returns>The value.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The offset is misaligned or outside config space.</exception>
    /// <exception cref="VfioException">The kernel refused.</exception>
    public ushort Read16(int offset) => _access.Read16(Offset(offset));

    /// <summary>Reads 32 bits of config space.</summary>
    /// <param name="offset">The offset, 4-byte aligned.</param>
    /// <returns>The value.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The offset is misaligned or outside config space.</exception>
    /// <exception cref="VfioException">The kernel refused.</exception>
    public uint Read32(int offset) => _access.Read32(Offset(offset));

    /// <summary>Writes a byte of config space (vfio-pci keeps the bits it virtualizes or protects).</summary>
    /// <param name="offset">The offset.</param>
    /// <param name="value">The value.</param>
    /// <exception cref="ArgumentOutOfRangeException">The offset lies outside config space.</exception>
    /// <exception cref="VfioException">The kernel refused.</exception>
    public void Write8(int offset, byte value) => _access.Write8(Offset(offset), value);

    /// <summary>Writes 16 bits of config space.</summary>
    /// <param name="offset">The offset, 2-byte aligned.</param>
    /// <param name="value">The value.</param>
    /// <exception cref="ArgumentOutOfRangeException">The offset is misaligned or outside config space.</exception>
    /// <exception cref="VfioException">The kernel refused.</exception>
    public void Write16(int offset, ushort value) => _access.Write16(Offset(offset), value);

    /// <summary>Writes 32 bits of config space.</summary>
    /// <param name="offset">The offset, 4-byte aligned.</param>
    /// <param name="value">The value.</param>
    /// <exception cref="ArgumentOutOfRangeException">The offset is misaligned or outside config space.</exception>
    /// <exception cref="VfioException">The kernel refused.</exception>
    public void Write32(int offset, uint value) => _access.Write32(Offset(offset), value);

    /// <summary>
    /// Sets bits of the command register, keeping the others (a read-modify-write, serialized per device).
    /// </summary>
    /// <param name="bits">The bits to set (<see cref="CommandBusMaster"/>, ...).</param>
    /// <returns>The command register as written.</returns>
    public ushort SetCommandBits(ushort bits)
    {
        lock (_readModifyWrite)
        {
            var command = (ushort)(Read16(CommandOffset) | bits);
            Write16(CommandOffset, command);
            return command;
        }
    }

    /// <summary>
    /// Turns on bus mastering (command bit 2) and memory decoding (bit 1, which vfio-pci normally has on already):
    /// a device can't DMA without bus mastering, and MSI is a DMA write, so a driver does this before either.
    /// </summary>
    /// <returns>The command register as written.</returns>
    public ushort EnableBusMaster() => SetCommandBits(CommandBusMaster | CommandMemorySpace);

    /// <summary>Finds a capability of the standard list (PCI_CAPABILITY_LIST at 0x34), e.g. MSI (5), MSI-X (0x11), PCIe (0x10).</summary>
    /// <param name="id">The capability id.</param>
    /// <returns>Its offset in config space, or null when the device does not have it.</returns>
    public int? FindCapability(byte id)
    {
        if ((Read16(StatusOffset) & StatusCapabilityList) == 0)
        {
            return null;
        }

        // The list lives in the standard 256 bytes, dword-aligned; 48 entries fill them, so more is a loop.
        var offset = Read8(CapabilityPointerOffset) & 0xfc;
        for (var hops = 0; offset >= 0x40 && offset < StandardSize && hops < 48; hops++)
        {
            if (Read8(offset) == id)
            {
                return offset;
            }

            offset = Read8(offset + 1) & 0xfc;
        }

        return null;
    }

    /// <inheritdoc/>
    public override string ToString() => _access.ToString();

    private static ulong Offset(int offset) => offset >= 0 ? (ulong)offset : throw new ArgumentOutOfRangeException(nameof(offset), offset, "a config space offset is not negative");
}
