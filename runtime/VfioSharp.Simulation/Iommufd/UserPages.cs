namespace VfioSharp.Simulation.Iommufd;

/// <summary>
/// A slice of process memory that an IOAS area maps (the kernel's <c>iopt_pages</c> and a start byte): what
/// IOMMU_IOAS_MAP names by <c>user_va</c>, and what IOMMU_IOAS_COPY takes from the source IOAS's areas.
/// </summary>
/// <param name="HostAddress">The first byte in the process.</param>
/// <param name="Length">Its length in bytes.</param>
/// <param name="Writable">Whether the pages were taken for writing (<c>pages-&gt;writable</c>): a writable area needs it.</param>
internal readonly record struct UserPages(ulong HostAddress, ulong Length, bool Writable);
