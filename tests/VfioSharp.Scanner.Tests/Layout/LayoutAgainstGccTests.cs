using VfioSharp.Scanner.Tests.Infrastructure;
using VfioSharp.Scanner.Tests.Oracle;

namespace VfioSharp.Scanner.Tests.Layout;

public sealed class LayoutAgainstGccTests
{
    [Theory]
    [MemberData(nameof(HeaderSets.All), MemberType = typeof(HeaderSets))]
    public void Every_size_offset_bitfield_enum_macro_and_request_number_matches_gcc(string set)
    {
        var (root, headers, run) = ScannedModels.Get(set);
        var model = run.Model;

        var expected = GccOracle.Expectations(model);
        var measured = GccOracle.Measure(root, headers, model);

        var mismatches = expected
            .Where(pair => !measured.TryGetValue(pair.Key, out var value) || value != pair.Value)
            .Select(pair => $"{pair.Key}: model {pair.Value}, gcc {(measured.TryGetValue(pair.Key, out var value) ? value : "(not printed)")}")
            .ToList();
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches.Take(40)));
        Assert.Equal(expected.Count, measured.Count);
        Assert.True(expected.Count > 50, $"only {expected.Count} values were compared for {set}");
    }

    [Fact]
    public void Edge_cases_cover_what_the_model_must_express()
    {
        // Guards the oracle test above against a quietly shrinking edge-case header.
        var model = ScannedModels.Get(HeaderSets.EdgeCases).Run.Model;
        var fields = model.GetProperty("records").EnumerateArray()
            .SelectMany(r => r.GetProperty("fields").EnumerateArray().Select(f => (Record: r, Field: f)))
            .ToList();

        Assert.Contains(fields, f => f.Field.GetProperty("bitWidth").ValueKind == System.Text.Json.JsonValueKind.Number);
        Assert.Contains(fields, f => f.Field.GetProperty("arrayDimensions").GetArrayLength() == 2);
        Assert.Contains(fields, f => f.Field.GetProperty("flexible").GetBoolean());
        Assert.Contains(fields, f => f.Field.GetProperty("name").GetString() == "event");
        Assert.Contains(fields, f => f.Field.GetProperty("name").GetString() == "params");
        Assert.Contains(model.GetProperty("records").EnumerateArray(), r => r.GetProperty("packed").GetBoolean());
        Assert.Contains(model.GetProperty("records").EnumerateArray(), r => r.GetProperty("alignment").GetInt64() == 16);

        // The nested anonymous union inside an anonymous struct inside a union: flattened with the innermost record named.
        var config = model.GetProperty("records").EnumerateArray().Single(r => r.GetProperty("name").GetString() == "edge_config");
        var iommufd = config.GetProperty("fields").EnumerateArray().Single(f => f.GetProperty("name").GetString() == "iommufd");
        Assert.Equal("edge_config__anon2__anon1", iommufd.GetProperty("anonymousRecord").GetString());

        var macros = model.GetProperty("macros").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!);
        Assert.Equal("int", macros["EDGE_TOP_BIT"].GetProperty("type").GetString());
        Assert.True(macros["EDGE_MINUS_ONE"].GetProperty("value").GetInt64() < 0);
    }
}
