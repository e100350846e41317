using VfioSharp.Simulation.Memory;

namespace VfioSharp.Simulation.Iommufd;

/// <summary>An object in an iommufd's id table: an IOAS, a hardware page table made for an attach, a bound device.</summary>
internal abstract class IommufdObject(uint id)
{
    public uint Id { get; } = id;
}

/// <summary>An I/O address space: its mappings, and the devices attached to it (through their HWPTs).</summary>
internal sealed class IoasObject(uint id) : IommufdObject(id)
{
    public IoPageTable Table { get; } = new();

    public int AttachedDevices { get; set; }
}

/// <summary>The page table iommufd makes when a device attaches to an IOAS; ATTACH writes its id back to pt_id.</summary>
internal sealed class HwptObject(uint id, IoasObject ioas) : IommufdObject(id)
{
    public IoasObject Ioas { get; } = ioas;
}

/// <summary>A device bound with VFIO_DEVICE_BIND_IOMMUFD (its out_devid).</summary>
internal sealed class DeviceObject(uint id) : IommufdObject(id)
{
}
