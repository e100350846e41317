using VfioSharp.Simulation.Memory;

namespace VfioSharp.Simulation.Pci;

/// <summary>
/// A PCI function as the hardware side of vfio-pci sees it: a type 0 config space with read-only and writable
/// bits, up to six BARs (32-bit memory or I/O), an INTx pin, an MSI capability, optionally a PCI Express
/// capability; register accesses, DMA through whatever the host set up (an IOMMU domain or, without one,
/// physical addresses) gated by the bus master bit, and interrupts. Subclasses model a device
/// (<see cref="Edu.EduDevice"/>) by answering register accesses.
/// </summary>
/// <remarks>
/// The simulation can't trap loads and stores to mapped memory, so only the BAR parts a device lists in
/// <see cref="MmapAreas"/> are mmap-able, and they are plain memory. On real hardware vfio-pci lets a driver
/// mmap every memory BAR of a page or more, and each access reaches the device.
/// </remarks>
public abstract class SimulatedPciDevice
{
    private const ulong PageSize = 4096;

    private PciConfigSpace? _config;
    private PciConfigSpace? _powerOnConfig;
    private BarMemoryArea[][]? _areas;

    /// <summary>Describes the function; its config space is built on first use, from the properties subclasses override.</summary>
    /// <param name="vendorId">PCI vendor ID.</param>
    /// <param name="deviceId">PCI device ID.</param>
    /// <param name="classCode">The 24-bit class code (base class, subclass, programming interface).</param>
    /// <param name="revision">The revision ID.</param>
    protected SimulatedPciDevice(ushort vendorId, ushort deviceId, uint classCode, byte revision = 0)
    {
        VendorId = vendorId;
        DeviceId = deviceId;
        ClassCode = classCode;
        Revision = revision;
    }

    /// <summary>PCI vendor ID.</summary>
    public ushort VendorId { get; }

    /// <summary>PCI device ID.</summary>
    public ushort DeviceId { get; }

    /// <summary>The 24-bit class code.</summary>
    public uint ClassCode { get; }

    /// <summary>The revision ID.</summary>
    public byte Revision { get; }

    /// <summary>The size of config space: 256 for conventional PCI, 4096 for PCI Express.</summary>
    public int ConfigSize => IsPciExpress ? 4096 : 256;

    /// <summary>Whether the device is PCI Express: then it has a PCI Express capability and vfio-pci offers the ERR interrupt.</summary>
    public virtual bool IsPciExpress => false;

    /// <summary>Whether the device has an INTx pin (INTA).</summary>
    public virtual bool HasInterruptPin => true;

    /// <summary>How many vectors its MSI capability offers: 0 (no MSI capability) or a power of two up to 32.</summary>
    public virtual int MsiVectors => 1;

    /// <summary>Whether vfio-pci can reset it (FLR, PM reset or a bus reset): then VFIO_DEVICE_FLAGS_RESET is set. edu can't.</summary>
    public virtual bool SupportsReset => false;

    /// <summary>Whether it is a VGA device with legacy ranges (the VGA region); none of the simulated devices is.</summary>
    public virtual bool HasVga => false;

    /// <summary>The size of each of the six BARs (0: not implemented); a power of two.</summary>
    public abstract IReadOnlyList<ulong> BarSizes { get; }

    /// <summary>Whether a BAR decodes I/O ports rather than memory (never mmap-able, not gated by memory decode).</summary>
    /// <param name="bar">The BAR.</param>
    /// <returns>True for an I/O BAR.</returns>
    public virtual bool IsIoBar(int bar) => false;

    /// <summary>
    /// The page-aligned parts of a memory BAR that are plain memory and can be mmap'ed (offset, size). One area
    /// covering the whole BAR reports it mmap-able as Linux does; smaller areas add a sparse-mmap capability;
    /// none (the default) leaves the BAR to pread/pwrite, so that every access reaches
    /// <see cref="ReadRegister"/>/<see cref="WriteRegister"/>.
    /// </summary>
    /// <param name="bar">The BAR.</param>
    /// <returns>The areas, in offset order.</returns>
    public virtual IReadOnlyList<(ulong Offset, ulong Size)> MmapAreas(int bar) => [];

    /// <summary>Whether the driver enabled bus mastering in the command register: without it, the device's DMA does nothing.</summary>
    public bool BusMaster => (Config.Word(PciConfigLayout.Command) & PciConfigLayout.CommandMaster) != 0;

    /// <summary>Whether memory decode is on: without it, memory BAR accesses fail (vfio-pci returns EIO).</summary>
    public bool MemoryDecode => (Config.Word(PciConfigLayout.Command) & PciConfigLayout.CommandMemory) != 0;

    /// <summary>Whether the MSI capability's enable bit is set (vfio-pci sets it when the driver routes MSI to eventfds).</summary>
    public bool MsiEnabled => MsiCapability is { } at && (Config.Word(at + PciConfigLayout.MsiFlags) & PciConfigLayout.MsiFlagsEnable) != 0;

    /// <summary>Whether the function is asserting INTx now.</summary>
    public bool InterruptLine { get; private set; }

    /// <summary>The MSI capability's offset in config space, or null without one.</summary>
    internal int? MsiCapability => MsiVectors > 0 ? PciConfigLayout.FirstCapability : null;

    internal PciConfigSpace Config => _config ??= BuildConfig();

    internal DmaWindow? Dma { get; set; }

    internal Action<bool>? IntxLine { get; set; }

    internal Action<int>? MsiMessage { get; set; }

    /// <summary>Runs an action later under the kernel's lock (set by the machine the device is plugged into).</summary>
    internal Action<TimeSpan, Action>? Scheduler { get; set; }

    /// <summary>Reads a register of a BAR: one access of <paramref name="width"/> bytes, outside the <see cref="MmapAreas"/>.</summary>
    /// <param name="bar">The BAR.</param>
    /// <param name="offset">The offset in the BAR, aligned to <paramref name="width"/>.</param>
    /// <param name="width">1, 2, 4 or 8.</param>
    /// <returns>The value read.</returns>
    protected internal abstract ulong ReadRegister(int bar, ulong offset, int width);

    /// <summary>Writes a register of a BAR: one access of <paramref name="width"/> bytes, outside the <see cref="MmapAreas"/>.</summary>
    /// <param name="bar">The BAR.</param>
    /// <param name="offset">The offset in the BAR, aligned to <paramref name="width"/>.</param>
    /// <param name="width">1, 2, 4 or 8.</param>
    /// <param name="value">The value written.</param>
    protected internal abstract void WriteRegister(int bar, ulong offset, int width, ulong value);

    /// <summary>The byte the mmap-able areas hold before anything is written there.</summary>
    protected virtual byte MmapAreaFill => 0;

    /// <summary>Reads memory by DMA; false when it did not happen (bus mastering off, or an IOMMU fault).</summary>
    /// <param name="address">The bus address (IOVA, or physical without an IOMMU).</param>
    /// <param name="destination">Where the bytes go.</param>
    /// <returns>Whether the bytes were read.</returns>
    protected bool DmaRead(ulong address, Span<byte> destination) => BusMaster && Dma is { } dma && dma.TryRead(address, destination);

    /// <summary>Writes memory by DMA; false when it did not land (bus mastering off, or an IOMMU fault).</summary>
    /// <param name="address">The bus address.</param>
    /// <param name="source">The bytes to write.</param>
    /// <returns>Whether the bytes landed.</returns>
    protected bool DmaWrite(ulong address, ReadOnlySpan<byte> source) => BusMaster && Dma is { } dma && dma.TryWrite(address, source);

    /// <summary>Raises or lowers the INTx line (level-triggered; the status register's interrupt bit follows it).</summary>
    /// <param name="asserted">The line's new level.</param>
    protected void SetInterruptLine(bool asserted)
    {
        if (!HasInterruptPin)
        {
            return;
        }

        InterruptLine = asserted;
        Config.Update(PciConfigLayout.Status, (byte)PciConfigLayout.StatusInterrupt, asserted);

        // A function with INTx disabled in its command register does not signal (vfio-pci masks this way).
        IntxLine?.Invoke(asserted && (Config.Word(PciConfigLayout.Command) & PciConfigLayout.CommandIntxDisable) == 0);
    }

    /// <summary>
    /// Sends MSI message <paramref name="vector"/>; false when MSI is not enabled in the MSI capability or bus
    /// mastering is off.
    /// </summary>
    /// <param name="vector">The vector.</param>
    /// <returns>Whether the message went out.</returns>
    protected bool SendMsi(int vector)
    {
        // An MSI is a memory write by the function, so it needs Bus Master Enable like any DMA (PCI Local Bus
        // 3.0, 6.8.1.3); QEMU sends it through the function's bus-master address space, which is disabled while
        // the bit is clear (hw/pci/msi.c, msi_send_message), so the message is dropped.
        if (!MsiEnabled || !BusMaster)
        {
            return false;
        }

        MsiMessage?.Invoke(vector);
        return true;
    }

    /// <summary>Runs <paramref name="action"/> after <paramref name="delay"/> (at once when zero or when the device is not plugged in).</summary>
    /// <param name="delay">How long the device takes.</param>
    /// <param name="action">What completes then.</param>
    protected void After(TimeSpan delay, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (delay <= TimeSpan.Zero || Scheduler is not { } scheduler)
        {
            action();
            return;
        }

        scheduler(delay, action);
    }

    /// <summary>Called when vfio-pci resets the function (only devices with <see cref="SupportsReset"/>): back to power-on state.</summary>
    protected virtual void OnReset()
    {
    }

    /// <summary>A bus write to config space: changes only writable bits.</summary>
    internal void WriteConfig(int offset, ReadOnlySpan<byte> source)
    {
        var command = Config.Word(PciConfigLayout.Command);
        Config.Write(offset, source);
        var changed = (ushort)(command ^ Config.Word(PciConfigLayout.Command));
        if ((changed & PciConfigLayout.CommandIntxDisable) != 0)
        {
            // Setting DisINTx stops the line reaching the host; clearing it lets a still-asserted line through.
            IntxLine?.Invoke(InterruptLine && (Config.Word(PciConfigLayout.Command) & PciConfigLayout.CommandIntxDisable) == 0);
        }
    }

    /// <summary>Sets the MSI capability's enable bit and vector count, as the host's MSI setup does for vfio-pci.</summary>
    internal void SetMsi(bool enabled, int queueSizeLog2)
    {
        if (MsiCapability is not { } at)
        {
            return;
        }

        var flags = Config.Word(at + PciConfigLayout.MsiFlags) & ~(PciConfigLayout.MsiFlagsEnable | PciConfigLayout.MsiFlagsQueueSize);
        if (enabled)
        {
            flags |= PciConfigLayout.MsiFlagsEnable | (queueSizeLog2 << 4);
        }

        Config.SetWord(at + PciConfigLayout.MsiFlags, (ushort)flags, PciConfigLayout.MsiFlagsEnable | PciConfigLayout.MsiFlagsQueueSize);
    }

    /// <summary>The command register and the MSI capability as vfio-pci leaves them on its last close (<c>vfio_pci_core_disable</c>).</summary>
    internal void RestoreAfterClose()
    {
        SetMsi(false, 0);
        var command = (ushort)((Config.Word(PciConfigLayout.Command) & ~(PciConfigLayout.CommandMaster | PciConfigLayout.CommandIntxDisable)) | DecodeBits);
        Config.SetWord(PciConfigLayout.Command, command, CommandWritable);
    }

    /// <summary>A function-level reset: config space at power-on (with decode on, as vfio-pci restores it) and the device's own state.</summary>
    internal void ResetFunction()
    {
        // Config first: it builds the power-on copy the first time it is asked for.
        var config = Config;
        _powerOnConfig!.CopyTo(config);
        InterruptLine = false;
        OnReset();
    }

    /// <summary>The memory area of BAR <paramref name="bar"/> that holds [offset, offset + length), or null.</summary>
    internal BarMemoryArea? AreaAt(int bar, ulong offset, ulong length)
    {
        _areas ??= BuildAreas();
        foreach (var area in _areas[bar])
        {
            if (area.Contains(offset, length))
            {
                return area;
            }
        }

        return null;
    }

    /// <summary>The mmap-able area that holds the byte at <paramref name="offset"/> (accesses there go to memory), or null.</summary>
    internal BarMemoryArea? AreaOverlapping(int bar, ulong offset)
    {
        _areas ??= BuildAreas();
        foreach (var area in _areas[bar])
        {
            if (offset >= area.Offset && offset - area.Offset < area.Size)
            {
                return area;
            }
        }

        return null;
    }

    private const ushort CommandWritable = PciConfigLayout.CommandIo | PciConfigLayout.CommandMemory | PciConfigLayout.CommandMaster
        | PciConfigLayout.CommandParity | PciConfigLayout.CommandSerr | PciConfigLayout.CommandIntxDisable;

    /// <summary>Decode enabled for the BAR kinds the function has (pci_enable_device, done when vfio-pci opens it).</summary>
    private ushort DecodeBits
    {
        get
        {
            ushort bits = 0;
            for (var bar = 0; bar < 6; bar++)
            {
                if (BarSizes[bar] != 0)
                {
                    bits |= IsIoBar(bar) ? PciConfigLayout.CommandIo : PciConfigLayout.CommandMemory;
                }
            }

            return bits;
        }
    }

    private PciConfigSpace BuildConfig()
    {
        if (BarSizes.Count != 6)
        {
            throw new InvalidOperationException($"{GetType().Name}.BarSizes must list six BARs.");
        }

        if (MsiVectors is < 0 or > 32 || (MsiVectors & (MsiVectors - 1)) != 0)
        {
            throw new InvalidOperationException($"{GetType().Name}.MsiVectors must be 0 or a power of two up to 32.");
        }

        var config = new PciConfigSpace(ConfigSize);
        config.SetWord(PciConfigLayout.VendorId, VendorId);
        config.SetWord(PciConfigLayout.DeviceId, DeviceId);

        // Decode is on: vfio-pci enables the device when it is opened, and the simulation has no closed state to model.
        config.SetWord(PciConfigLayout.Command, DecodeBits, CommandWritable);
        config.SetByte(PciConfigLayout.Revision, Revision);
        config.SetByte(PciConfigLayout.ClassCode, (byte)ClassCode);
        config.SetByte(PciConfigLayout.ClassCode + 1, (byte)(ClassCode >> 8));
        config.SetByte(PciConfigLayout.ClassCode + 2, (byte)(ClassCode >> 16));
        config.SetByte(PciConfigLayout.CacheLineSize, 0, 0xff);

        // QEMU's defaults for its own devices: subsystem vendor Red Hat (0x1af4), subsystem 0x1100.
        config.SetWord(PciConfigLayout.SubsystemVendorId, 0x1af4);
        config.SetWord(PciConfigLayout.SubsystemId, 0x1100);
        AssignBars(config);
        config.SetByte(PciConfigLayout.InterruptLine, 0, 0xff);
        config.SetByte(PciConfigLayout.InterruptPin, (byte)(HasInterruptPin ? 1 : 0));

        var next = PciConfigLayout.FirstCapability;
        var previousLink = PciConfigLayout.CapabilityPointer;
        if (MsiVectors > 0)
        {
            // 64-bit addresses, no per-vector masking: what QEMU's msi_init(dev, 0, n, true, false) builds (edu).
            config.SetByte(previousLink, (byte)next);
            config.SetByte(next, PciConfigLayout.CapabilityIdMsi);
            var queueMask = (ushort)(System.Numerics.BitOperations.Log2((uint)MsiVectors) << 1);
            config.SetWord(next + PciConfigLayout.MsiFlags, (ushort)(PciConfigLayout.MsiFlags64Bit | queueMask), PciConfigLayout.MsiFlagsEnable | PciConfigLayout.MsiFlagsQueueSize);
            config.SetDword(next + PciConfigLayout.MsiAddressLow, 0, 0xfffffffc);
            config.SetDword(next + PciConfigLayout.MsiAddressHigh, 0, 0xffffffff);
            config.SetWord(next + PciConfigLayout.MsiData64, 0, 0xffff);
            previousLink = next + 1;
            next += 0x10;
        }

        if (IsPciExpress)
        {
            // Capability version 2, device/port type 0 (PCI Express endpoint); the rest reads as zero.
            config.SetByte(previousLink, (byte)next);
            config.SetByte(next, PciConfigLayout.CapabilityIdPciExpress);
            config.SetWord(next + 2, 0x0002);
        }

        if (MsiVectors > 0 || IsPciExpress)
        {
            config.SetWord(PciConfigLayout.Status, PciConfigLayout.StatusCapabilityList);
        }

        _powerOnConfig = new PciConfigSpace(config.Size);
        config.CopyTo(_powerOnConfig);
        return config;
    }

    private void AssignBars(PciConfigSpace config)
    {
        // Addresses as firmware might assign them: memory BARs from 0xfe000000, I/O BARs from 0xc000, each
        // naturally aligned. Drivers never use them; vfio-pci shows them through its virtual config space.
        ulong memory = 0xfe000000;
        ulong io = 0xc000;
        for (var bar = 0; bar < 6; bar++)
        {
            var size = BarSizes[bar];
            var at = PciConfigLayout.Bar0 + (4 * bar);
            if (size == 0)
            {
                continue;
            }

            if ((size & (size - 1)) != 0 || size > 0x8000_0000 || (IsIoBar(bar) && size is < 4 or > 256) || (!IsIoBar(bar) && size < 16))
            {
                throw new InvalidOperationException($"{GetType().Name}: BAR{bar} size 0x{size:x} is not a valid BAR size.");
            }

            ref var cursor = ref IsIoBar(bar) ? ref io : ref memory;
            cursor = (cursor + size - 1) & ~(size - 1);
            var flags = IsIoBar(bar) ? PciConfigLayout.BarIoSpace : 0u;
            config.SetDword(at, (uint)cursor | flags, ~(uint)(size - 1) & (IsIoBar(bar) ? ~3u : ~0xfu));
            cursor += size;
        }
    }

    private BarMemoryArea[][] BuildAreas()
    {
        var areas = new BarMemoryArea[6][];
        for (var bar = 0; bar < 6; bar++)
        {
            var list = IsIoBar(bar) || BarSizes[bar] < PageSize ? [] : MmapAreas(bar);
            areas[bar] = new BarMemoryArea[list.Count];
            for (var i = 0; i < list.Count; i++)
            {
                var (offset, size) = list[i];
                if (offset % PageSize != 0 || size % PageSize != 0 || size == 0 || offset + size > BarSizes[bar])
                {
                    throw new InvalidOperationException($"{GetType().Name}: mmap area 0x{offset:x}+0x{size:x} of BAR{bar} is not page-aligned inside the BAR.");
                }

                areas[bar][i] = new BarMemoryArea(offset, size, MmapAreaFill);
            }
        }

        return areas;
    }
}
