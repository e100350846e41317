namespace VfioSharp.KernelSuite.ErrnoParity;

/// <summary>
/// vfio_iommu_type1's <c>dma_entry_limit</c> module parameter (0644, read when a container's IOMMU is set:
/// vfio_iommu_type1_open copies it to dma_avail), lowered while a row runs so that the limit is reached with a few
/// mappings instead of 65535, and restored afterwards.
/// </summary>
internal static class DmaEntryLimit
{
    private const string Parameter = "/sys/module/vfio_iommu_type1/parameters/dma_entry_limit";

    public static long With(uint limit, Func<long> misuse)
    {
        var saved = File.ReadAllText(Parameter).Trim();
        File.WriteAllText(Parameter, limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            return misuse();
        }
        finally
        {
            File.WriteAllText(Parameter, saved);
        }
    }
}
