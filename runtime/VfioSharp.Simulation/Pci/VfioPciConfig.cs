using System.Buffers.Binary;

namespace VfioSharp.Simulation.Pci;

/// <summary>
/// The config space a vfio-pci user sees (<c>drivers/vfio/pci/vfio_pci_config.c</c>): per bit, either the
/// device's own value or vfio-pci's virtual copy (<c>vconfig</c>), and whether a write may change it. IDs,
/// BARs, the capability pointer, the interrupt line and pin, INTx disable and the whole MSI capability are
/// virtual; memory decode and bus mastering reach the device. Built from the device when it is opened.
/// </summary>
internal sealed class VfioPciConfig
{
    private readonly SimulatedPciDevice _device;
    private readonly VfioPciInterrupts _interrupts;
    private readonly byte[] _virtual;
    private readonly byte[] _virtualBits;
    private readonly byte[] _writableBits;
    private readonly int? _msi;

    public VfioPciConfig(SimulatedPciDevice device, VfioPciInterrupts interrupts)
    {
        _device = device;
        _interrupts = interrupts;
        var size = device.ConfigSize;
        _virtual = device.Config.Bytes.ToArray();
        _virtualBits = new byte[size];
        _writableBits = new byte[size];

        // Bytes outside the header and the capabilities are passed through (unassigned_perms): the device's
        // own write mask decides. So are the header bytes vfio-pci neither virtualizes nor protects.
        _writableBits.AsSpan(PciConfigLayout.FirstCapability).Fill(0xff);
        Set(PciConfigLayout.VendorId, 2, 0xffff, 0);
        Set(PciConfigLayout.DeviceId, 2, 0xffff, 0);
        Set(PciConfigLayout.Command, 2, PciConfigLayout.CommandIntxDisable, 0xffff);
        Set(PciConfigLayout.Status, 2, PciConfigLayout.StatusCapabilityList, 0);
        Set(PciConfigLayout.CacheLineSize, 1, 0, 0xff);
        Set(PciConfigLayout.LatencyTimer, 1, 0, 0xff);
        Set(PciConfigLayout.Bist, 1, 0, 0xff);
        for (var bar = 0; bar < 6; bar++)
        {
            Set(PciConfigLayout.Bar0 + (4 * bar), 4, 0xffffffff, 0xffffffff);
        }

        Set(PciConfigLayout.RomAddress, 4, 0xffffffff, 0xffffffff);
        Set(PciConfigLayout.CapabilityPointer, 1, 0xff, 0);
        Set(PciConfigLayout.InterruptLine, 1, 0xff, 0xff);
        Set(PciConfigLayout.InterruptPin, 1, 0xff, 0);

        // Absent BARs and ROM read as zero; implemented ones show the address the device decodes.
        BinaryPrimitives.WriteUInt32LittleEndian(_virtual.AsSpan(PciConfigLayout.RomAddress), 0);
        _msi = device.MsiCapability;
        if (_msi is { } msi)
        {
            // init_pci_cap_msi_perm: everything virtual, only the ID and next pointer read-only.
            Set(msi, 2, 0xffff, 0);
            var rest = PciConfigLayout.MsiCapabilitySize64 - PciConfigLayout.MsiFlags;
            _virtualBits.AsSpan(msi + PciConfigLayout.MsiFlags, rest).Fill(0xff);
            _writableBits.AsSpan(msi + PciConfigLayout.MsiFlags, rest).Fill(0xff);
        }
    }

    public void Read(int offset, Span<byte> destination)
    {
        var physical = _device.Config.Bytes;
        for (var i = 0; i < destination.Length; i++)
        {
            var at = offset + i;
            destination[i] = (byte)((physical[at] & ~_virtualBits[at]) | (_virtual[at] & _virtualBits[at]));
        }
    }

    public void Write(int offset, ReadOnlySpan<byte> source)
    {
        Span<byte> toDevice = stackalloc byte[source.Length];
        var physical = _device.Config.Bytes;
        for (var i = 0; i < source.Length; i++)
        {
            var at = offset + i;
            var virtualWrite = (byte)(_writableBits[at] & _virtualBits[at]);
            _virtual[at] = (byte)((_virtual[at] & ~virtualWrite) | (source[i] & virtualWrite));

            // Bits that are neither virtual nor writable keep the device's value (its own mask protects the rest).
            var passed = (byte)(_writableBits[at] & ~_virtualBits[at]);
            toDevice[i] = (byte)((physical[at] & ~passed) | (source[i] & passed));
        }

        _device.WriteConfig(offset, toDevice);
        FixBars(offset, source.Length);
        if (Touches(offset, source.Length, PciConfigLayout.Command + 1))
        {
            // vfio_basic_config_write: the virtual DisINTx bit masks or unmasks vfio-pci's INTx.
            _interrupts.SetVirqDisabled((_virtual[PciConfigLayout.Command + 1] & (PciConfigLayout.CommandIntxDisable >> 8)) != 0);
        }

        if (_msi is { } msi && Touches(offset, source.Length, msi + PciConfigLayout.MsiFlags))
        {
            FixMsiFlags(msi + PciConfigLayout.MsiFlags);
        }
    }

    private static bool Touches(int offset, int length, int at) => at >= offset && at < offset + length;

    /// <summary>vfio_bar_fixup: a BAR keeps only the address bits its size allows, plus its type bits (sizing reads back ~(size - 1)).</summary>
    private void FixBars(int offset, int length)
    {
        for (var bar = 0; bar < 7; bar++)
        {
            var at = bar < 6 ? PciConfigLayout.Bar0 + (4 * bar) : PciConfigLayout.RomAddress;
            if (offset >= at + 4 || offset + length <= at)
            {
                continue;
            }

            var size = bar < 6 ? _device.BarSizes[bar] : 0;
            var io = bar < 6 && _device.IsIoBar(bar);
            var value = BinaryPrimitives.ReadUInt32LittleEndian(_virtual.AsSpan(at));
            var mask = size == 0 ? 0u : ~(uint)(size - 1);
            var fixedValue = (value & mask & (io ? ~3u : ~0xfu)) | (size != 0 && io ? PciConfigLayout.BarIoSpace : 0u);
            BinaryPrimitives.WriteUInt32LittleEndian(_virtual.AsSpan(at), fixedValue);
        }
    }

    /// <summary>vfio_msi_config_write: MSI is enabled through VFIO_DEVICE_SET_IRQS, never by the enable bit alone; the vector count is capped.</summary>
    private void FixMsiFlags(int at)
    {
        var flags = BinaryPrimitives.ReadUInt16LittleEndian(_virtual.AsSpan(at));
        if (_interrupts.Type != Uapi.vfio.VFIO_PCI_MSI_IRQ_INDEX)
        {
            flags &= unchecked((ushort)~PciConfigLayout.MsiFlagsEnable);
        }

        if (((flags & PciConfigLayout.MsiFlagsQueueSize) >> 4) > _interrupts.MsiQueueMax)
        {
            flags = (ushort)((flags & ~PciConfigLayout.MsiFlagsQueueSize) | (_interrupts.MsiQueueMax << 4));
        }

        // The capability's read-only bits (64-bit, queue mask) stay the device's.
        var physical = _device.Config.Word(at);
        const ushort userBits = PciConfigLayout.MsiFlagsEnable | PciConfigLayout.MsiFlagsQueueSize;
        flags = (ushort)((flags & userBits) | (physical & ~userBits));
        BinaryPrimitives.WriteUInt16LittleEndian(_virtual.AsSpan(at), flags);
    }

    private void Set(int offset, int length, uint virtualBits, uint writableBits)
    {
        for (var i = 0; i < length; i++)
        {
            var shift = 8 * i;
            _virtualBits[offset + i] = (byte)(virtualBits >> shift);
            _writableBits[offset + i] = (byte)(writableBits >> shift);
        }
    }
}
