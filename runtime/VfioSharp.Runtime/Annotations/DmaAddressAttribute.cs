namespace VfioSharp;

/// <summary>
/// Marks a parameter, field or property that takes a host virtual address a device will read or write by
/// DMA once it is mapped. The memory behind it must not move for the mapping's lifetime: native memory
/// (an anonymous mmap, a <c>DmaBuffer</c>), never the GC's. Analyzer VFIO007 reports addresses of managed
/// arrays, pinned handles, <c>fixed</c> blocks, <c>stackalloc</c> and locals that reach such a place (it also
/// knows the uapi fields: <c>vfio_iommu_type1_dma_map.vaddr</c> and <c>iommu_ioas_map.user_va</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Field | AttributeTargets.Property, Inherited = false)]
public sealed class DmaAddressAttribute : Attribute
{
}
