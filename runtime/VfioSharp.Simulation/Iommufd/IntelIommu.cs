namespace VfioSharp.Simulation.Iommufd;

/// <summary>
/// The IOMMU of the simulated machine: an Intel VT-d unit with interrupt remapping, as QEMU's
/// <c>-device intel-iommu,intremap=on</c> gives (NOTES.md). What iommufd learns from it when a device attaches.
/// </summary>
internal static class IntelIommu
{
    /// <summary>The smallest IOMMU page: a domain raises an IOAS's <c>iova_alignment</c> to it.</summary>
    public const ulong PageSize = 4096;

    /// <summary>
    /// The x86 interrupt window, reported by <c>intel_iommu_get_resv_regions</c> as an IOMMU_RESV_MSI region
    /// (IOAPIC_RANGE_START..END): iommufd reserves it in the IOAS of every attached device.
    /// </summary>
    public const ulong MsiWindowStart = 0xfee00000;

    /// <summary>The last IOVA of the MSI window.</summary>
    public const ulong MsiWindowLast = 0xfeefffff;

    /// <summary>
    /// The domain aperture's last IOVA: 48-bit addresses (4-level tables). iommufd reserves everything above it
    /// (<c>iopt_table_add_domain</c>). QEMU's intel-iommu defaults to 39 bits (aw-bits=39); the runtime must read
    /// the ranges, never assume them.
    /// </summary>
    public const ulong ApertureLast = (1UL << 48) - 1;

    /// <summary>
    /// IOMMU_GET_HW_INFO's <c>cap_reg</c>: MGAW = 47 (bits 21:16, width - 1) and SAGAW bit 2 (4-level tables,
    /// bit 10), the fields that say "48-bit" in the VT-d specification; nothing else claimed.
    /// </summary>
    public const ulong CapabilityRegister = (47UL << 16) | (1UL << 10);

    /// <summary>IOMMU_GET_HW_INFO's <c>ecap_reg</c>: coherency (bit 0) and interrupt remapping (bit 3).</summary>
    public const ulong ExtendedCapabilityRegister = (1UL << 0) | (1UL << 3);
}
