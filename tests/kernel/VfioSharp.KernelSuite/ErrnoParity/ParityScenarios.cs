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
            foreach (var (id, run) in GroupRows.All)
            {
                yield return new Scenario($"errno.{id}", () => Compare(id, run(guest)));
            }
        }
        else if (guest.ModeName == "cdev")
        {
            foreach (var (id, run) in IommufdRows.All)
            {
                yield return new Scenario($"errno.{id}", () => Compare(id, run()));
            }
        }
    }

    private static Outcome Compare(string id, long result)
    {
        if (!MisuseTableRow.All.TryGetValue(id, out var row))
        {
            return new Outcome(false, "no such row in misuse-table.json");
        }

        var linux = result == 0 ? "0" : result > 0 ? $"{result} (success)" : Errno.FromResult(result).Name;
        var agrees = row.Errno == linux || (row.Errno == "0" && result >= 0);
        return Outcome.Check(agrees, $"table {row.Errno}, Linux {linux}{(agrees || !row.HasVersionNote ? "" : " (the row has a Versions: note)")}");
    }
}
