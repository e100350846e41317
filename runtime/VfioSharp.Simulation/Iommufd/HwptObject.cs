namespace VfioSharp.Simulation.Iommufd;

/// <summary>
/// A hardware page table (an IOMMU domain) on an IOAS. ATTACH_IOMMUFD_PT with an IOAS id makes one automatically
/// (<c>iommufd_device_auto_get_domain</c>), shares it with every device attached to the same IOAS, writes its id
/// back to <c>pt_id</c>, and destroys it when its last device detaches.
/// </summary>
internal sealed class HwptObject(uint id, IoasObject ioas) : IommufdObject(id)
{
    public IoasObject Ioas { get; } = ioas;

    /// <summary>Devices attached through this page table: each holds a reference, so DESTROY is EBUSY.</summary>
    public int Devices { get; set; }

    public override string Kind => "HWPT";
}
