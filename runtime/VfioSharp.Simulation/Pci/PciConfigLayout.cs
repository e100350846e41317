namespace VfioSharp.Simulation.Pci;

/// <summary>Offsets and bits of the PCI config header and the capabilities the simulation builds (<c>include/uapi/linux/pci_regs.h</c>).</summary>
internal static class PciConfigLayout
{
    public const int VendorId = 0x00;
    public const int DeviceId = 0x02;
    public const int Command = 0x04;
    public const int Status = 0x06;
    public const int Revision = 0x08;
    public const int ClassCode = 0x09;
    public const int CacheLineSize = 0x0c;
    public const int LatencyTimer = 0x0d;
    public const int HeaderType = 0x0e;
    public const int Bist = 0x0f;
    public const int Bar0 = 0x10;
    public const int SubsystemVendorId = 0x2c;
    public const int SubsystemId = 0x2e;
    public const int RomAddress = 0x30;
    public const int CapabilityPointer = 0x34;
    public const int InterruptLine = 0x3c;
    public const int InterruptPin = 0x3d;

    /// <summary>Where the first capability goes: QEMU's <c>pci_add_capability</c> with offset 0 takes the first free byte after the header.</summary>
    public const int FirstCapability = 0x40;

    public const ushort CommandIo = 0x0001;
    public const ushort CommandMemory = 0x0002;
    public const ushort CommandMaster = 0x0004;
    public const ushort CommandParity = 0x0040;
    public const ushort CommandSerr = 0x0100;
    public const ushort CommandIntxDisable = 0x0400;

    /// <summary>PCI_STATUS_INTERRUPT: the function is asserting INTx (what vfio-pci's DisINTx masking reads).</summary>
    public const ushort StatusInterrupt = 0x0008;
    public const ushort StatusCapabilityList = 0x0010;

    public const byte CapabilityIdMsi = 0x05;
    public const byte CapabilityIdPciExpress = 0x10;

    /// <summary>MSI capability fields, relative to the capability.</summary>
    public const int MsiFlags = 0x02;
    public const int MsiAddressLow = 0x04;
    public const int MsiAddressHigh = 0x08;
    public const int MsiData64 = 0x0c;
    public const int MsiCapabilitySize64 = 0x0e;

    public const ushort MsiFlagsEnable = 0x0001;
    public const ushort MsiFlagsQueueMask = 0x000e;
    public const ushort MsiFlagsQueueSize = 0x0070;
    public const ushort MsiFlags64Bit = 0x0080;

    /// <summary>PCI Express capability (v2, endpoint): fixed size of the fields a v2 capability has.</summary>
    public const int PciExpressCapabilitySize = 0x3c;

    public const uint BarIoSpace = 0x1;
}
