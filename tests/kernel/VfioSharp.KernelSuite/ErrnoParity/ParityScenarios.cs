namespace VfioSharp.KernelSuite.ErrnoParity;

/// <summary>
/// One scenario per misuse-table row this kernel and mode can replay: the row's errno against what Linux answered.
/// A row whose note gives other versions' answers ("Versions:") is compared with the answer of the guest's version
/// (<see cref="VersionAnswers"/>); any other difference fails, so the table or the simulated kernel is fixed.
/// </summary>
internal static class ParityScenarios
{
    public static IEnumerable<Scenario> For(GuestEnvironment guest)
    {
        yield return new Scenario("errno.coverage", Coverage);
        foreach (var (id, run) in RowsOf(guest))
        {
            yield return new Scenario($"errno.{id}", () => Compare(id, run(guest), guest));
        }
    }

    /// <summary>The rows a boot of <paramref name="guest"/>'s mode and kernel replays.</summary>
    private static IEnumerable<KeyValuePair<string, Func<GuestEnvironment, long>>> RowsOf(GuestEnvironment guest) => guest.ModeName switch
    {
        "group" => ContainerRows.WithIommu.Concat(GroupRows.WithIommu).Concat(DeviceRows.All)
            .Concat(GuestNodes.CdevPath() is not null && GuestNodes.HasIommufd ? GroupRows.WithIommuAndCdev : []),
        "cdev" => CdevRows.WithIommu.Concat(IommufdRows.WithIommu).Concat(DeviceRows.All),
        "noiommu-group" => ContainerRows.NoIommu.Concat(GroupRows.NoIommu).Concat(DeviceRows.All),
        "noiommu-cdev" => CdevRows.NoIommu.Concat(DeviceRows.All),
        "platform" => PlatformRows.All,
        _ => [],
    };

    /// <summary>
    /// Every row of the table is replayed in exactly one kind of boot: the four modes' boots, and the platform boot for
    /// the rows that need another machine (a non-viable group, a no-IOMMU group beside an IOMMU one, no interrupt
    /// remapping). No row is left out any more, so a row added to the table fails here until some boot replays it.
    /// </summary>
    private static Outcome Coverage()
    {
        string[] boots = ["group", "cdev", "noiommu-group", "noiommu-cdev", "platform"];
        var replayed = new[]
        {
            ContainerRows.WithIommu, GroupRows.WithIommu, DeviceRows.All, GroupRows.WithIommuAndCdev, CdevRows.WithIommu,
            IommufdRows.WithIommu, ContainerRows.NoIommu, GroupRows.NoIommu, CdevRows.NoIommu, PlatformRows.All,
        }.SelectMany(rows => rows.Keys).ToList();
        var table = MisuseTableRow.All.Keys.ToHashSet(StringComparer.Ordinal);
        var missing = table.Where(id => !replayed.Contains(id)).Order(StringComparer.Ordinal).ToList();
        var unknown = replayed.Where(id => !table.Contains(id)).ToList();
        var twice = replayed.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        return Outcome.Check(
            missing.Count == 0 && unknown.Count == 0 && twice.Count == 0,
            $"{table.Count} rows: {replayed.Count} replayed in the {boots.Length} kinds of boot" +
            (missing.Count > 0 ? $"; replayed nowhere: {string.Join(' ', missing)}" : "") +
            (unknown.Count > 0 ? $"; not in the table: {string.Join(' ', unknown)}" : "") +
            (twice.Count > 0 ? $"; listed twice: {string.Join(' ', twice)}" : ""));
    }

    /// <summary>
    /// Rows whose "Versions:" note gives another answer for some kernels than the table's (6.17's): the row, the
    /// versions [From, Before) with the other answer, and that answer.
    /// </summary>
    private static readonly Dictionary<string, (Version From, Version Before, string Errno)> VersionAnswers = new(StringComparer.Ordinal)
    {
        // "From 7.3 the pci_is_pcie() check is gone: success with count = 1" ('vfio/pci: Remove the pcie check for
        // VFIO_PCI_ERR_IRQ_INDEX'); seen here: 0 on 7.3.4 (Debian's and the built one), EINVAL on 6.1.
        ["device-irq-info-err-non-pcie"] = (new Version(7, 3), Latest, "0"),
        ["device-set-irqs-err-non-pcie"] = (new Version(7, 3), Latest, "0"),

        // 'vfio/type1: sanitize for overflow using check_*_overflow', after 6.17, in 7.3.4.
        ["container-map-iova-wrap"] = (new Version(6, 18), Latest, "EOVERFLOW"),
        ["container-unmap-wrap"] = (new Version(6, 18), Latest, "EOVERFLOW"),

        // 6.1 still offers type1 nesting; intel-iommu's attach then fails (EINVAL). Type1 dropped it in 6.13.
        ["container-set-iommu-nesting"] = (new Version(0, 0), new Version(6, 13), "EINVAL"),

        // 6.1's vfio_group_ioctl_set_container has no iommufd branch: EINVAL; 6.2+ EBADFD.
        ["group-set-container-not-a-container"] = (new Version(0, 0), new Version(6, 2), "EINVAL"),

        // v6.17.0's iopt_unmap_iova_range started with rc = -ENOENT; the fix (0, size 0) is in 7.3.4.
        ["iommufd-vfio-compat-unmap-empty"] = (new Version(6, 18), Latest, "0"),

        // 6.6-6.17 make no cdev for a no-IOMMU device (ENOENT); 7.x with CONFIG_IOMMUFD_NOIOMMU (the built kernel)
        // makes /dev/vfio/devices/noiommu-vfioN, which root (CAP_SYS_RAWIO) opens.
        ["cdev-noiommu-node"] = (new Version(7, 0), Latest, "0"),
    };

    private static Version Latest => new(int.MaxValue, 0);

    private static Outcome Compare(string id, long result, GuestEnvironment guest)
    {
        if (!MisuseTableRow.All.TryGetValue(id, out var row))
        {
            return new Outcome(false, "no such row in misuse-table.json");
        }

        var expected = row.Errno;
        var release = KernelRelease.Of(guest);
        var byVersion = VersionAnswers.TryGetValue(id, out var answer) && release >= answer.From && release < answer.Before;
        if (byVersion)
        {
            expected = answer.Errno;
        }

        var linux = Reply.Name(result);
        var agrees = expected == linux || (expected == "0" && result >= 0);
        if (byVersion)
        {
            return Outcome.Check(agrees, $"table {row.Errno} (6.17), {expected} on {release} by its Versions: note, Linux {linux}");
        }

        return Outcome.Check(agrees, $"table {row.Errno}, Linux {linux}{(agrees || !row.HasVersionNote ? "" : " (the row has a Versions: note)")}");
    }
}
