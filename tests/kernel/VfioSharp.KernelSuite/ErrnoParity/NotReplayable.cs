namespace VfioSharp.KernelSuite.ErrnoParity;

/// <summary>
/// The misuse-table rows no boot of tests/kernel can commit (QEMU's edu behind an emulated intel-iommu with
/// interrupt remapping, or no IOMMU at all), with why. runtime/misuse-table.md lists the same rows.
/// </summary>
internal static class NotReplayable
{
    public static IReadOnlyDictionary<string, string> Rows { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["group-set-container-not-viable"] =
            "edu is alone in its IOMMU group; the row needs a group-mate bound to a host driver that uses the DMA API, " +
            "which the guests have neither the second device nor the driver for",
        ["group-set-container-mix-noiommu"] =
            "needs an IOMMU group and a no-IOMMU group in one boot: behind the emulated intel-iommu every PCI device " +
            "has an IOMMU group, without it none has",
        ["cdev-bind-no-interrupt-remapping"] =
            "every IOMMU boot runs intel-iommu with intremap=on (group mode's type1 needs interrupt remapping as well); " +
            "the row needs a platform without it",
    };
}
