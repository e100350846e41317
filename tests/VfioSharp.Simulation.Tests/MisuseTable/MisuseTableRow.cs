using System.Text.Json;

namespace VfioSharp.Simulation.Tests.MisuseTable;

/// <summary>One row of runtime/misuse-table.json (copied next to the tests): the misuse, and the errno Linux 6.17 gives.</summary>
/// <param name="Id">The row's id, e.g. <c>container-map-overlap</c>.</param>
/// <param name="Mode">group, cdev, iommufd or any.</param>
/// <param name="Object">container, group, device, cdev, iommufd, node or any.</param>
/// <param name="Errno">The errno's name, or "0" for a call that succeeds.</param>
internal sealed record MisuseTableRow(string Id, string Mode, string Object, string Errno)
{
    /// <summary>Every row of the table, in its order.</summary>
    public static IReadOnlyList<MisuseTableRow> All { get; } = Load();

    private static List<MisuseTableRow> Load()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "misuse-table.json")));
        return document.RootElement.GetProperty("rows").EnumerateArray()
            .Select(row => new MisuseTableRow(
                row.GetProperty("id").GetString()!,
                row.GetProperty("mode").GetString()!,
                row.GetProperty("object").GetString()!,
                row.GetProperty("errno").GetString()!))
            .ToList();
    }
}
