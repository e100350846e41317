namespace VfioSharp.Simulation.Iommufd;

/// <summary>
/// IOVAs an IOAS must not map (<c>iopt_reserved</c>): a device's reserved regions (the x86 MSI window) while it is
/// attached, and what lies outside a domain's aperture while the domain exists. The owner removes its ranges.
/// </summary>
/// <param name="Start">The first reserved IOVA.</param>
/// <param name="Last">The last reserved IOVA (inclusive, as the kernel's interval trees keep them).</param>
/// <param name="Owner">The device or page table that reserved it.</param>
internal readonly record struct ReservedRange(ulong Start, ulong Last, IommufdObject Owner);
