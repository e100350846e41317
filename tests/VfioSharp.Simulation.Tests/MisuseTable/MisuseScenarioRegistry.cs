using System.Reflection;

namespace VfioSharp.Simulation.Tests.MisuseTable;

/// <summary>
/// Every misuse-table scenario of the test assembly, by row id. A family of rows registers itself by being a static
/// class whose name ends in <c>MisuseScenarios</c> with a public static <c>All</c> property of type
/// <c>IReadOnlyDictionary&lt;string, Func&lt;long&gt;&gt;</c> (e.g. <see cref="GroupContainerMisuseScenarios"/>,
/// <see cref="IommufdCdevMisuseScenarios"/>): a new family is a new file, nothing here changes.
/// </summary>
/// <remarks>
/// A scenario builds its row's state on a fresh simulated machine, commits the misuse and returns what the kernel
/// answered (0 or −errno); one that also checks a side effect returns <see cref="long.MinValue"/> when it is wrong.
/// </remarks>
internal static class MisuseScenarioRegistry
{
    private static readonly (Dictionary<string, Func<long>> All, List<string> Duplicates, List<string> Families) Collected = Collect();

    /// <summary>Every scenario, by row id.</summary>
    public static IReadOnlyDictionary<string, Func<long>> All => Collected.All;

    /// <summary>Row ids that more than one family registered (must stay empty).</summary>
    public static IReadOnlyList<string> Duplicates => Collected.Duplicates;

    /// <summary>The families found, by class name.</summary>
    public static IReadOnlyList<string> Families => Collected.Families;

    private static (Dictionary<string, Func<long>> All, List<string> Duplicates, List<string> Families) Collect()
    {
        var all = new Dictionary<string, Func<long>>(StringComparer.Ordinal);
        var duplicates = new List<string>();
        var families = new List<string>();
        var types = typeof(MisuseScenarioRegistry).Assembly.GetTypes()
            .Where(type => type is { IsAbstract: true, IsSealed: true } && type.Name.EndsWith("MisuseScenarios", StringComparison.Ordinal))
            .OrderBy(type => type.FullName, StringComparer.Ordinal);
        foreach (var type in types)
        {
            var property = type.GetProperty("All", BindingFlags.Public | BindingFlags.Static);
            if (property?.GetValue(null) is not IReadOnlyDictionary<string, Func<long>> scenarios)
            {
                throw new InvalidOperationException($"{type.FullName} has no public static All of type IReadOnlyDictionary<string, Func<long>>");
            }

            families.Add(type.Name);
            foreach (var (id, scenario) in scenarios)
            {
                if (!all.TryAdd(id, scenario))
                {
                    duplicates.Add(id);
                }
            }
        }

        return (all, duplicates, families);
    }
}
