using VfioSharp.Kernel;

namespace VfioSharp.Simulation.Tests.MisuseTable;

/// <summary>
/// Every row of runtime/misuse-table.json replayed against the simulated kernel: the scenario registered for the row
/// (<see cref="MisuseScenarioRegistry"/>) must get exactly the row's errno. A row without a scenario fails, unless it
/// is listed in <see cref="NotYetImplemented"/>, a list that may only shrink: a listed row that gets a scenario, or
/// a listed id that is not a row, fails <see cref="The_not_yet_implemented_list_names_only_rows_without_a_scenario"/>.
/// </summary>
public sealed class MisuseTableTests
{
    /// <summary>Rows still without a scenario (empty: the device rows are in <see cref="DeviceMisuseScenarios"/>).</summary>
    private static readonly HashSet<string> NotYetImplemented = new(StringComparer.Ordinal);

    public static TheoryData<string, string> Rows()
    {
        var rows = new TheoryData<string, string>();
        foreach (var row in MisuseTableRow.All)
        {
            rows.Add(row.Id, row.Errno);
        }

        return rows;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void The_simulated_kernel_answers_as_the_table_says(string id, string errno)
    {
        if (!MisuseScenarioRegistry.All.TryGetValue(id, out var scenario))
        {
            Assert.True(NotYetImplemented.Contains(id), $"no scenario for row {id}");
            return;
        }

        var expected = errno == "0" ? 0 : -ErrnoNumber(errno);
        Assert.Equal(expected, scenario());
    }

    [Fact]
    public void The_not_yet_implemented_list_names_only_rows_without_a_scenario()
    {
        var ids = MisuseTableRow.All.Select(row => row.Id).ToHashSet(StringComparer.Ordinal);
        Assert.DoesNotContain(NotYetImplemented, id => !ids.Contains(id));
        Assert.DoesNotContain(NotYetImplemented, MisuseScenarioRegistry.All.ContainsKey);

        // The count the list started at: it may only shrink.
        Assert.InRange(NotYetImplemented.Count, 0, 33);
    }

    [Fact]
    public void Every_scenario_has_a_row_and_no_row_has_two()
    {
        var ids = MisuseTableRow.All.Select(row => row.Id).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(MisuseTableRow.All.Count, ids.Count);
        Assert.Empty(MisuseScenarioRegistry.Duplicates);
        Assert.DoesNotContain(MisuseScenarioRegistry.All.Keys, id => !ids.Contains(id));
        Assert.Contains(nameof(GroupContainerMisuseScenarios), MisuseScenarioRegistry.Families);
    }

    [Fact]
    public void Every_group_container_node_and_any_row_has_its_scenario_in_the_group_family()
    {
        var rows = MisuseTableRow.All.Where(row => row.Mode == "group" || row.Object is "node" or "any").Select(row => row.Id);
        Assert.Equal(rows.Order(StringComparer.Ordinal), GroupContainerMisuseScenarios.All.Keys.Order(StringComparer.Ordinal));
    }

    /// <summary>A Linux errno's number from its name ("EINVAL").</summary>
    private static int ErrnoNumber(string name)
    {
        var value = Enumerable.Range(1, 133).FirstOrDefault(number => new Errno(number).Name == name);
        Assert.True(value > 0, $"unknown errno {name}");
        return value;
    }
}
