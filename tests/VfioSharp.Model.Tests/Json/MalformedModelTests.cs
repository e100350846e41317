using VfioSharp.Model.Json;
using VfioSharp.Model.Tests.Infrastructure;

namespace VfioSharp.Model.Tests.Json;

/// <summary>
/// Every kind of bad input is a <see cref="ModelFormatException"/> (never another exception) that says
/// where: the line and column of the offending text, counted here from the text itself, and the JSON path.
/// </summary>
public sealed class MalformedModelTests
{
    /// <summary>The parser's nesting limit (a model nests five levels).</summary>
    private const int ReaderDepthLimit = 64;

    private static readonly string Sample = SampleModel.Text();

    [Fact]
    public void Empty_input()
    {
        var error = Read("");

        AssertAt(error, "$", 1, 1);
        Assert.Contains("empty", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Whitespace_only()
    {
        AssertAt(Read("\n\n  "), "$", 3, 3);
    }

    [Fact]
    public void A_model_cut_after_a_property_ends_inside_its_record()
    {
        var full = VendoredModels.Text(VendoredModels.Linux617);
        var model = ModelJsonReader.Read(full);
        var index = model.Records.ToList().FindIndex(record => record.Name == "vfio_device_bind_iommufd");
        const string Cut = "\"name\": \"vfio_device_bind_iommufd\",";
        var truncated = full[..(full.IndexOf(Cut, StringComparison.Ordinal) + Cut.Length)];

        var error = Read(truncated);

        AssertAt(error, $"$.records[{index}]", truncated, truncated.Length);
        Assert.Contains("unexpected end of the text", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_cut_inside_a_string_points_at_the_unterminated_string()
    {
        var full = VendoredModels.Text(VendoredModels.Linux617);
        const string Doc = "\"doc\": \"";
        var docStart = full.IndexOf(Doc, StringComparison.Ordinal) + Doc.Length - 1;
        var truncated = full[..(docStart + 10)];

        var error = Read(truncated);

        Assert.StartsWith("$.records[", error.JsonPath, StringComparison.Ordinal);
        Assert.EndsWith(".doc", error.JsonPath, StringComparison.Ordinal);
        AssertAt(error, error.JsonPath, truncated, docStart);
        Assert.Contains("no closing quote", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_schema()
    {
        var text = Replace(Sample, "\"schema\": \"vfiosharp.uapi-model\"", "\"schema\": \"someone.else\"");

        var error = Read(text);

        AssertAt(error, "$.schema", text, OffsetOf(text, "\"someone.else\""));
        Assert.Contains("not a VfioSharp uapi model", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Schema_version_2_says_which_version_it_found_and_which_it_reads()
    {
        var text = Replace(Sample, "\"schemaVersion\": 1,", "\"schemaVersion\": 2,");

        var error = Read(text);

        AssertAt(error, "$.schemaVersion", 3, 20);
        Assert.Contains("schemaVersion 2", error.Message, StringComparison.Ordinal);
        Assert.Contains($"reads schemaVersion {UapiModel.CurrentSchemaVersion}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_version_is_checked_before_properties_a_newer_version_may_have_added()
    {
        var text = Replace(Sample, "\"schemaVersion\": 1,", "\"schemaVersion\": 2,\n  \"newInVersion2\": [],");

        Assert.Equal("$.schemaVersion", Read(text).JsonPath);
    }

    [Fact]
    public void Missing_schema()
    {
        var text = Replace(Sample, "\"schema\": \"vfiosharp.uapi-model\",\n", "");

        AssertAt(Read(text), "$.schema", 1, 1);
    }

    [Fact]
    public void Missing_records()
    {
        var withoutRecords = ModelJsonWriter.Write(SampleModel.Create() with { Records = [] });
        var text = Replace(withoutRecords, "  \"records\": [],\n", "");

        var error = Read(text);

        AssertAt(error, "$.records", 1, 1);
        Assert.Equal("missing property 'records'", error.Problem);
    }

    [Fact]
    public void A_string_where_a_number_belongs()
    {
        var text = Replace(Sample, "\"name\": \"flags\",\n          \"offset\": 4,", "\"name\": \"flags\",\n          \"offset\": \"4\",");

        var error = Read(text);

        AssertAt(error, "$.records[0].fields[1].offset", text, OffsetOf(text, "\"4\""));
        Assert.Equal("expected a number, found a string", error.Problem);
    }

    [Fact]
    public void An_unknown_element_category()
    {
        var text = Replace(Sample, "\"type\": \"__u8[16]\",\n          \"elementType\": \"__u8\",\n          \"canonicalElementType\": \"__u8\",\n          \"elementCategory\": \"integer\"",
            "\"type\": \"__u8[16]\",\n          \"elementType\": \"__u8\",\n          \"canonicalElementType\": \"__u8\",\n          \"elementCategory\": \"blob\"");

        var error = Read(text);

        AssertAt(error, "$.records[0].fields[2].elementCategory", text, OffsetOf(text, "\"blob\""));
        Assert.StartsWith("unknown elementCategory 'blob': expected one of integer, bool, float, pointer, record, enum", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Trailing_garbage()
    {
        var text = Sample + "x";

        var error = Read(text);

        AssertAt(error, "$", text, text.Length - 1);
        Assert.Contains("after the end of the JSON value", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_document_after_the_first()
    {
        AssertAt(Read(Sample + "{}"), "$", Sample + "{}", Sample.Length);
    }

    [Fact]
    public void Deep_nesting_stops_at_the_limit_instead_of_the_stack()
    {
        var text = new string('[', 100_000);

        var error = Read(text);

        AssertAt(error, "$" + string.Concat(Enumerable.Repeat("[0]", ReaderDepthLimit)), 1, ReaderDepthLimit + 1);
        Assert.Contains("deeper than 64", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_nesting_inside_a_model_names_where()
    {
        var text = Replace(Sample, "\"doc\": null,\n      \"anonymousMembers\": [],", "\"doc\": " + new string('[', 1000) + ",\n      \"anonymousMembers\": [],");

        var error = Read(text);

        Assert.StartsWith("$.records[1].doc[0][0]", error.JsonPath, StringComparison.Ordinal);
        Assert.Contains("deeper than", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void The_root_is_not_an_object()
    {
        var error = Read("[]");

        AssertAt(error, "$", 1, 1);
        Assert.Equal("expected an object (a VfioSharp uapi model), found an array", error.Problem);
    }

    [Fact]
    public void An_unknown_property_is_not_silently_ignored()
    {
        var text = Replace(Sample, "\"name\": \"vfio_sample\",", "\"name\": \"vfio_sample\",\n      \"comment\": \"mine\",");

        var error = Read(text);

        AssertAt(error, "$.records[0].comment", text, OffsetOf(text, "\"comment\""));
        Assert.Equal("unknown property 'comment'", error.Problem);
    }

    [Fact]
    public void A_property_given_twice()
    {
        var text = Replace(Sample, "\"size\": 40,", "\"size\": 40,\n      \"size\": 48,");

        var error = Read(text);

        AssertAt(error, "$.records[0].size", text, OffsetOf(text, "\"size\": 48"));
        Assert.Equal("property 'size' appears twice", error.Problem);
    }

    [Fact]
    public void Null_where_a_name_is_required()
    {
        var text = Replace(Sample, "\"name\": \"argsz\",", "\"name\": null,");

        var error = Read(text);

        AssertAt(error, "$.records[0].fields[0].name", text, OffsetOf(text, "\"name\": null") + "\"name\": ".Length);
        Assert.Equal("expected a string, found null", error.Problem);
    }

    [Theory]
    [InlineData("\"size\": 40,", "\"size\": 40.5,", "40.5", "expected an integer, found 40.5")]
    [InlineData("\"size\": 40,", "\"size\": 4e1,", "4e1", "expected an integer, found 4e1")]
    [InlineData("\"size\": 40,", "\"size\": 99999999999999999999,", "99999999999999999999", "99999999999999999999 is out of range for a 64-bit integer")]
    [InlineData("\"value\": 9223372036854775807,", "\"value\": 9223372036854775808,", "9223372036854775808", "9223372036854775808 is out of range for a signed 64-bit integer")]
    [InlineData("\"value\": 18446744073709551615,", "\"value\": -1,", "-1", "-1 is out of range for an unsigned 64-bit integer")]
    [InlineData("\"nr\": 100,", "\"nr\": 2147483648,", "2147483648", "2147483648 is out of range for a 32-bit integer")]
    [InlineData("\"packed\": false,", "\"packed\": 0,", "0,", "expected true or false, found a number")]
    public void A_number_of_the_wrong_kind_or_out_of_range(string original, string replacement, string token, string problem)
    {
        var (text, offset) = Damage(original, replacement, token);

        var error = Read(text);

        Assert.Equal(problem, error.Problem);
        Assert.Equal(LineAndColumn(text, offset), (error.Line, error.Column));
    }

    [Theory]
    [InlineData("\"version\": null,", "\"version\" null,", "null,", "unexpected 'n': expected ':' after the property name")]
    [InlineData("\"target\": \"x86_64-linux-gnu\",", "\"target\": 'x86_64-linux-gnu',", "'x86", "unexpected ''': expected a value")]
    [InlineData("\"libclang\": \"clang version 0 (test)\"", "\"libclang\": \"clang version 0 (test)\",", "}", "unexpected '}': expected a property name in double quotes")]
    [InlineData("\"target\": \"x86_64-linux-gnu\",", "\"target\": \"x86_64\\x-linux-gnu\",", "\\x", "invalid escape '\\x' in a string")]
    [InlineData("\"target\": \"x86_64-linux-gnu\",", "\"target\": \"x86_64\\u12G4\",", "\\u12G4", "invalid \\u escape: expected four hexadecimal digits")]
    [InlineData("\"target\": \"x86_64-linux-gnu\",", "\"target\": \"x86_64\tlinux-gnu\",", "\tlinux", "unescaped control character U+0009 in a string")]
    [InlineData("\"packed\": false,", "\"packed\": False,", "False", "unexpected 'F': expected a value")]
    [InlineData("\"packed\": false,", "\"packed\": fals,", "fals", "invalid literal: expected a value (true, false and null are spelled in lowercase)")]
    [InlineData("\"size\": 40,", "\"size\": 040,", "40,", "unexpected '4': expected ',' or '}'")]
    [InlineData("\"size\": 40,", "\"size\": -,", ",", "unexpected ',' in a number: expected a digit")]
    [InlineData("\"headers\": [\n      \"sample/sample.h\"\n    ],", "\"headers\": [\n      \"sample/sample.h\",\n    ],", "]", "unexpected ']': expected a value")]
    [InlineData("\"headers\": [\n      \"sample/sample.h\"\n    ],", "\"headers\": [\n      \"sample/sample.h\"\n    },", "}", "unexpected '}': expected ',' or ']'")]
    public void Syntax_errors(string original, string replacement, string token, string problem)
    {
        var (text, offset) = Damage(original, replacement, token);

        var error = Read(text);

        Assert.Equal(problem, error.Problem);
        Assert.Equal(LineAndColumn(text, offset), (error.Line, error.Column));
    }

    [Fact]
    public void The_message_holds_line_column_path_and_problem()
    {
        var error = Read(Replace(Sample, "\"schemaVersion\": 1,", "\"schemaVersion\": 2,"));

        Assert.Equal($"line 3, column 20 ($.schemaVersion): {error.Problem}", error.Message);
    }

    /// <summary>
    /// A model cut at every single character: the reader must always answer with a
    /// ModelFormatException, whatever construct the cut falls into.
    /// </summary>
    [Fact]
    public void Every_truncation_of_a_model_is_a_format_error()
    {
        for (var length = 0; length < Sample.Length - 1; length++)
        {
            var text = Sample[..length];
            var exception = Record.Exception(() => ModelJsonReader.Read(text));
            Assert.True(exception is ModelFormatException, $"cut at {length}: {exception?.GetType().Name ?? "no exception"}: {exception?.Message}");
        }
    }

    /// <summary>
    /// Random single-character damage with a fixed seed: each result either reads or fails with a
    /// ModelFormatException — never a NullReferenceException, IndexOutOfRangeException or the like.
    /// </summary>
    [Fact]
    public void Random_damage_is_read_or_reported_never_anything_else()
    {
        var random = new Random(20251125);
        const string Damage = "{}[]\":,-0123456789.eE+ \\utfnalsx\u0001\uD800";
        for (var i = 0; i < 5000; i++)
        {
            var chars = Sample.ToCharArray();
            var damaged = 1 + random.Next(3);
            for (var d = 0; d < damaged; d++)
            {
                chars[random.Next(chars.Length)] = Damage[random.Next(Damage.Length)];
            }

            var text = new string(chars);
            var exception = Record.Exception(() => ModelJsonReader.Read(text));
            Assert.True(exception is null or ModelFormatException, $"damage {i}: {exception?.GetType().Name}: {exception?.Message}\n{exception?.StackTrace}");
        }
    }

    private static ModelFormatException Read(string text) => Assert.Throws<ModelFormatException>(() => ModelJsonReader.Read(text));

    private static void AssertAt(ModelFormatException error, string path, string text, int offset)
    {
        var (line, column) = LineAndColumn(text, offset);
        AssertAt(error, path, line, column);
    }

    private static void AssertAt(ModelFormatException error, string path, int line, int column)
    {
        Assert.Equal(path, error.JsonPath);
        Assert.Equal((line, column), (error.Line, error.Column));
    }

    private static (int Line, int Column) LineAndColumn(string text, int offset)
    {
        var before = text[..offset];
        return (before.Count(c => c == '\n') + 1, offset - (before.LastIndexOf('\n') + 1) + 1);
    }

    private static int OffsetOf(string text, string token)
    {
        var offset = text.IndexOf(token, StringComparison.Ordinal);
        Assert.True(offset >= 0, $"'{token}' not in the text");
        return offset;
    }

    /// <summary>Replaces text that occurs exactly once, so that a test can't damage the wrong place.</summary>
    private static string Replace(string text, string original, string replacement)
    {
        var first = text.IndexOf(original, StringComparison.Ordinal);
        Assert.True(first >= 0 && text.IndexOf(original, first + 1, StringComparison.Ordinal) < 0, $"'{original}' must occur exactly once");
        return text[..first] + replacement + text[(first + original.Length)..];
    }

    /// <summary>
    /// The sample with the first <paramref name="original"/> replaced, and the offset of the first
    /// <paramref name="token"/> from the replacement on: where the error must be reported.
    /// </summary>
    private static (string Text, int Offset) Damage(string original, string replacement, string token)
    {
        var first = Sample.IndexOf(original, StringComparison.Ordinal);
        Assert.True(first >= 0, $"'{original}' not in the sample");
        var text = Sample[..first] + replacement + Sample[(first + original.Length)..];
        var offset = text.IndexOf(token, first, StringComparison.Ordinal);
        Assert.True(offset >= 0, $"'{token}' not after the damage");
        return (text, offset);
    }
}
