using System.Text.Json;
using VfioSharp.Model.Ioctls;

namespace VfioSharp.Scanner.IoctlTable;

/// <summary>
/// The checked-in table (ioctl-table.json, README.md beside it) that says what every ioctl of vfio.h and
/// iommufd.h is called on and with. vfio.h and iommufd.h encode every request with plain <c>_IO</c>, so
/// the number says nothing about the argument, and their comments are wrong in places.
/// Keyed by name: it applies to any header set that defines the name.
/// </summary>
internal sealed class IoctlTable
{
    private const string ResourceName = "VfioSharp.Scanner.ioctl-table.json";
    private readonly Dictionary<string, IoctlTableEntry> _entries;

    private IoctlTable(Dictionary<string, IoctlTableEntry> entries) => _entries = entries;

    public static IoctlTable Builtin { get; } = Load();

    public int Count => _entries.Count;

    public IoctlTableEntry? Find(string name) => _entries.TryGetValue(name, out var entry) ? entry : null;

    public static IoctlTable Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.GetProperty("schema").GetString() != "vfiosharp-ioctl-table" || root.GetProperty("version").GetInt32() != 1)
        {
            throw new InvalidDataException("ioctl table: unknown schema or version");
        }

        var entries = new Dictionary<string, IoctlTableEntry>(StringComparer.Ordinal);
        foreach (var row in root.GetProperty("ioctls").EnumerateArray())
        {
            var name = row.GetProperty("name").GetString() ?? throw new InvalidDataException("ioctl table: a row has no name");
            var entry = new IoctlTableEntry(
                name,
                Required<FdKind>(row, "fdKind", name),
                row.GetProperty("argument").GetString(),
                Required<ArgumentKind>(row, "argumentKind", name),
                Required<ArgumentPassing>(row, "passing", name),
                Optional<ArgumentDirection>(row, "direction", name),
                Required<IoctlReturn>(row, "returns", name),
                Optional<FdKind>(row, "returnedFdKind", name),
                Optional<ReplyProtocol>(row, "replyProtocol", name) ?? ReplyProtocol.None,
                row.GetProperty("handler").GetString() ?? string.Empty);
            if ((entry.ArgumentKind == ArgumentKind.None) != (entry.Argument is null)
                || (entry.ArgumentKind == ArgumentKind.None) != (entry.Direction is null))
            {
                throw new InvalidDataException($"ioctl table: {name}: argument, argumentKind and direction disagree");
            }

            if (!entries.TryAdd(name, entry))
            {
                throw new InvalidDataException($"ioctl table: {name} is listed twice");
            }
        }

        return new IoctlTable(entries);
    }

    private static IoctlTable Load()
    {
        using var stream = typeof(IoctlTable).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the embedded resource {ResourceName} is missing");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }

    private static TEnum Required<TEnum>(JsonElement row, string property, string name)
        where TEnum : struct, Enum =>
        Optional<TEnum>(row, property, name) ?? throw new InvalidDataException($"ioctl table: {name}: '{property}' is required");

    private static TEnum? Optional<TEnum>(JsonElement row, string property, string name)
        where TEnum : struct, Enum
    {
        var text = row.GetProperty(property).GetString();
        if (text is null)
        {
            return null;
        }

        foreach (var value in Enum.GetValues<TEnum>())
        {
            if (string.Equals(value.ToString(), text, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        throw new InvalidDataException($"ioctl table: {name}: '{property}' has the unknown value '{text}'");
    }
}
