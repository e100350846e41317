using VfioSharp.Kernel;

namespace VfioSharp.KernelSuite.ErrnoParity;

/// <summary>
/// One scenario per misuse-table row this kernel and mode can replay: the row's errno against what Linux answered.
/// A row whose note gives other versions' answers ("Versions:") that differs on a kernel other than 6.17 still
/// fails, naming the note, so the table or the simulated kernel's profile is checked against it.
/// </summary>
internal static class ParityScenarios
{
    public static IEnumerable<Scenario> For(GuestEnvironment guest)
    {
        if (guest.ModeName == "group")
        {
            foreach (var (id, run) in GroupRows.All.Concat(DeviceRows.All))
            {
                yield return new Scenario($"errno.{id}", () => Compare(id, run(guest), guest.Kernel));
            }
        }
        else if (guest.ModeName == "cdev")
        {
            foreach (var (id, run) in IommufdRows.All)
            {
                yield return new Scenario($"errno.{id}", () => Compare(id, run(), guest.Kernel));
            }
        }
    }

    /// <summary>
    /// Rows whose "Versions:" note gives another answer from some kernel on (the table states 6.17's): the row, the
    /// first version with the other answer, and that answer.
    /// </summary>
    private static readonly Dictionary<string, (Version Since, string Errno)> VersionAnswers = new(StringComparer.Ordinal)
    {
        // "From 7.3 the pci_is_pcie() check is gone: success with count = 1" ('vfio/pci: Remove the pcie check for
        // VFIO_PCI_ERR_IRQ_INDEX'); seen here: 0 on 7.3.4 (Debian's and the built one), EINVAL on 6.1.
        ["device-irq-info-err-non-pcie"] = (new Version(7, 3), "0"),
    };

    private static Outcome Compare(string id, long result, string kernel)
    {
        if (!MisuseTableRow.All.TryGetValue(id, out var row))
        {
            return new Outcome(false, "no such row in misuse-table.json");
        }

        var expected = row.Errno;
        var release = ReleaseVersion(kernel);
        if (VersionAnswers.TryGetValue(id, out var answer) && release >= answer.Since)
        {
            expected = answer.Errno;
        }

        var linux = result == 0 ? "0" : result > 0 ? $"{result} (success)" : Errno.FromResult(result).Name;
        var agrees = expected == linux || (expected == "0" && result >= 0);
        if (expected != row.Errno)
        {
            return Outcome.Check(agrees, $"table {row.Errno} (6.17), {expected} from {answer.Since} by its Versions: note, Linux {linux}");
        }
        return Outcome.Check(agrees, $"table {row.Errno}, Linux {linux}{(agrees || !row.HasVersionNote ? "" : " (the row has a Versions: note)")}");
    }

    /// <summary>"7.3.4+deb13-amd64" → 7.3; an unreadable release reads as 0.0.</summary>
    private static Version ReleaseVersion(string release)
    {
        var parts = release.Split('.', '-', '+');
        return parts.Length >= 2 && int.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out var major) && int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var minor)
            ? new Version(major, minor)
            : new Version(0, 0);
    }
}
