using System.Text.Json;

namespace VfioSharp.KernelSuite.ErrnoParity;

/// <summary>One row of runtime/misuse-table.json (embedded): the misuse and the errno Linux 6.17 gives.</summary>
/// <param name="Id">The row's id.</param>
/// <param name="Errno">The errno's name, or "0" for a call that succeeds.</param>
/// <param name="HasVersionNote">Whether the row's note gives other answers for other kernel versions ("Versions:").</param>
internal sealed record MisuseTableRow(string Id, string Errno, bool HasVersionNote)
{
    /// <summary>Every row, by id.</summary>
    public static IReadOnlyDictionary<string, MisuseTableRow> All { get; } = Load();

    private static Dictionary<string, MisuseTableRow> Load()
    {
        using var stream = typeof(MisuseTableRow).Assembly.GetManifestResourceStream("misuse-table.json")
            ?? throw new InvalidOperationException("misuse-table.json is not embedded");
        using var document = JsonDocument.Parse(stream);
        return document.RootElement.GetProperty("rows").EnumerateArray().Select(row => new MisuseTableRow(
                row.GetProperty("id").GetString()!,
                row.GetProperty("errno").GetString()!,
                row.TryGetProperty("note", out var note) && note.GetString() is { } text && text.Contains("Versions:", StringComparison.Ordinal)))
            .ToDictionary(row => row.Id, StringComparer.Ordinal);
    }
}
