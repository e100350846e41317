using System.Text.Json;
using VfioSharp.Simulation.Tests.Cdev;

namespace VfioSharp.Simulation.Tests.MisuseTable;

/// <summary>Every misuse-table row of mode cdev or iommufd, replayed against the simulated kernel: exactly the row's errno.</summary>
public sealed class IommufdCdevMisuseTests
{
    public static TheoryData<string, string> Rows()
    {
        var rows = new TheoryData<string, string>();
        foreach (var (id, errno) in TableRows())
        {
            rows.Add(id, errno);
        }

        return rows;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void The_simulated_kernel_answers_as_the_table_says(string id, string errno)
    {
        Assert.True(IommufdCdevMisuseScenarios.All.TryGetValue(id, out var scenario), $"no scenario for row {id}");
        Assert.Equal(-CdevMachine.ErrnoOf(errno), scenario());
    }

    [Fact]
    public void Every_cdev_and_iommufd_row_has_a_scenario_and_every_scenario_a_row()
    {
        var ids = TableRows().Select(row => row.Id).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(55, ids.Count);
        Assert.Equal(ids.Order(StringComparer.Ordinal), IommufdCdevMisuseScenarios.All.Keys.Order(StringComparer.Ordinal));
    }

    private static IEnumerable<(string Id, string Errno)> TableRows()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "misuse-table.json")));
        foreach (var row in document.RootElement.GetProperty("rows").EnumerateArray())
        {
            var mode = row.GetProperty("mode").GetString();
            if (mode is "cdev" or "iommufd")
            {
                yield return (row.GetProperty("id").GetString()!, row.GetProperty("errno").GetString()!);
            }
        }
    }
}
