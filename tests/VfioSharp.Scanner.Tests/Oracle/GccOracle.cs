using System.Globalization;
using System.Text;
using System.Text.Json;
using VfioSharp.Scanner.Tests.Infrastructure;

namespace VfioSharp.Scanner.Tests.Oracle;

/// <summary>
/// The layout oracle: a C program, generated from the names in a model, that prints what gcc computes
/// for each of them (sizeof, _Alignof, offsetof, bitfield positions found by setting the field and
/// looking at the bytes, enum and macro values with their C type, request numbers). The model only
/// supplies names; every value it is compared with comes from gcc.
/// </summary>
internal static class GccOracle
{
    /// <summary>What gcc says, keyed like <see cref="Expectations"/>.</summary>
    public static Dictionary<string, string> Measure(string root, IReadOnlyList<string> headers, JsonElement model)
    {
        var source = Program(headers, model);
        var directory = TemporaryTree.NewDirectory();
        var cFile = Path.Combine(directory, "oracle.c");
        var binary = Path.Combine(directory, "oracle");
        File.WriteAllText(cFile, source);

        // The same tree as the scanner, and only it: no libc headers, so the program declares what it uses.
        var (compileExit, _, compileError) = ScanRun.Run("gcc",
            ["-std=gnu11", "-w", "-nostdinc", "-I" + Path.Combine(root, "x86_64-linux-gnu"), "-I" + root, "-o", binary, cFile]);
        if (compileExit != 0)
        {
            throw new InvalidOperationException("the oracle program does not compile:\n" + compileError);
        }

        var (exit, output, error) = ScanRun.Run(binary, []);
        if (exit != 0)
        {
            throw new InvalidOperationException("the oracle program failed:\n" + error);
        }

        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t', 2))
            .ToDictionary(parts => parts[0], parts => parts[1], StringComparer.Ordinal);
    }

    /// <summary>What the model says, keyed like <see cref="Measure"/>.</summary>
    public static Dictionary<string, string> Expectations(JsonElement model)
    {
        var expected = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var record in CheckableRecords(model))
        {
            var name = record.GetProperty("name").GetString()!;
            expected["size " + name] = record.GetProperty("size").GetInt64().ToString(CultureInfo.InvariantCulture);
            expected["align " + name] = record.GetProperty("alignment").GetInt64().ToString(CultureInfo.InvariantCulture);
            foreach (var field in record.GetProperty("fields").EnumerateArray())
            {
                var key = name + "." + field.GetProperty("name").GetString();
                if (field.GetProperty("bitWidth").ValueKind == JsonValueKind.Number)
                {
                    expected["bits " + key] = field.GetProperty("bitOffset").GetInt64() + " " + field.GetProperty("bitWidth").GetInt32();
                    continue;
                }

                expected["offset " + key] = field.GetProperty("offset").GetInt64().ToString(CultureInfo.InvariantCulture);
                if (!field.GetProperty("flexible").GetBoolean())
                {
                    expected["fsize " + key] = field.GetProperty("size").GetInt64().ToString(CultureInfo.InvariantCulture);
                }
            }
        }

        foreach (var enumeration in model.GetProperty("enums").EnumerateArray())
        {
            foreach (var constant in enumeration.GetProperty("constants").EnumerateArray())
            {
                expected["enum " + constant.GetProperty("name").GetString()] = AsSignedBits(constant.GetProperty("value"));
            }
        }

        foreach (var macro in model.GetProperty("macros").EnumerateArray())
        {
            var name = macro.GetProperty("name").GetString()!;
            if (macro.GetProperty("kind").GetString() == "string")
            {
                expected["string " + name] = Convert.ToHexStringLower(Encoding.UTF8.GetBytes(macro.GetProperty("value").GetString()! + "\0"));
            }
            else
            {
                expected["macro " + name] = macro.GetProperty("type").GetString() + " " + AsSignedBits(macro.GetProperty("value"));
            }
        }

        foreach (var ioctl in model.GetProperty("ioctls").EnumerateArray())
        {
            expected["ioctl " + ioctl.GetProperty("name").GetString()] = ioctl.GetProperty("request").GetUInt64().ToString(CultureInfo.InvariantCulture);
        }

        return expected;
    }

    /// <summary>Records C can name: tagged ones (anonymous ones are checked through the fields flattened into their parents).</summary>
    private static IEnumerable<JsonElement> CheckableRecords(JsonElement model) =>
        model.GetProperty("records").EnumerateArray().Where(r => !r.GetProperty("anonymous").GetBoolean());

    private static string AsSignedBits(JsonElement number) =>
        number.TryGetInt64(out var signed)
            ? signed.ToString(CultureInfo.InvariantCulture)
            : unchecked((long)number.GetUInt64()).ToString(CultureInfo.InvariantCulture);

    private static string Program(IReadOnlyList<string> headers, JsonElement model)
    {
        var c = new StringBuilder();
        foreach (var header in headers)
        {
            c.Append("#include <").Append(header).Append(">\n");
        }

        c.Append("""
            int printf(const char *, ...);
            void *memset(void *, int, unsigned long);
            #define TYPE_NAME(x) _Generic((x), \
                char: "char", signed char: "signed char", unsigned char: "unsigned char", \
                short: "short", unsigned short: "unsigned short", int: "int", unsigned int: "unsigned int", \
                long: "long", unsigned long: "unsigned long", long long: "long long", \
                unsigned long long: "unsigned long long", _Bool: "_Bool", default: "other")
            static void bits(const char *key, const unsigned char *bytes, unsigned long size) {
                long first = -1, count = 0;
                for (unsigned long i = 0; i < size * 8; i++)
                    if (bytes[i / 8] & (1u << (i % 8))) { if (first < 0) first = (long)i; count++; }
                printf("bits %s\t%ld %ld\n", key, first, count);
            }
            static void string(const char *key, const char *text, unsigned long size) {
                printf("string %s\t", key);
                for (unsigned long i = 0; i < size; i++) printf("%02x", (unsigned char)text[i]);
                printf("\n");
            }
            int main(void) {

            """);
        foreach (var record in CheckableRecords(model))
        {
            var name = record.GetProperty("name").GetString()!;
            var type = record.GetProperty("kind").GetString() + " " + name;
            c.Append(CultureInfo.InvariantCulture, $"  printf(\"size {name}\\t%lu\\n\", (unsigned long)sizeof({type}));\n");
            c.Append(CultureInfo.InvariantCulture, $"  printf(\"align {name}\\t%lu\\n\", (unsigned long)_Alignof({type}));\n");
            foreach (var field in record.GetProperty("fields").EnumerateArray())
            {
                var fieldName = field.GetProperty("name").GetString()!;
                var key = name + "." + fieldName;
                if (field.GetProperty("bitWidth").ValueKind == JsonValueKind.Number)
                {
                    // A bitfield has no offsetof: set every bit of it in a zeroed record and find them.
                    c.Append(CultureInfo.InvariantCulture, $"  {{ {type} v; memset(&v, 0, sizeof v); v.{fieldName} = -1; bits(\"{key}\", (const unsigned char *)&v, sizeof v); }}\n");
                    continue;
                }

                c.Append(CultureInfo.InvariantCulture, $"  printf(\"offset {key}\\t%lu\\n\", (unsigned long)__builtin_offsetof({type}, {fieldName}));\n");
                if (!field.GetProperty("flexible").GetBoolean())
                {
                    c.Append(CultureInfo.InvariantCulture, $"  printf(\"fsize {key}\\t%lu\\n\", (unsigned long)sizeof((({type} *)0)->{fieldName}));\n");
                }
            }
        }

        foreach (var enumeration in model.GetProperty("enums").EnumerateArray())
        {
            foreach (var constant in enumeration.GetProperty("constants").EnumerateArray())
            {
                var name = constant.GetProperty("name").GetString();
                c.Append(CultureInfo.InvariantCulture, $"  printf(\"enum {name}\\t%lld\\n\", (long long){name});\n");
            }
        }

        foreach (var macro in model.GetProperty("macros").EnumerateArray())
        {
            var name = macro.GetProperty("name").GetString();
            if (macro.GetProperty("kind").GetString() == "string")
            {
                c.Append(CultureInfo.InvariantCulture, $"  string(\"{name}\", {name}, sizeof({name}));\n");
            }
            else
            {
                c.Append(CultureInfo.InvariantCulture, $"  printf(\"macro {name}\\t%s %lld\\n\", TYPE_NAME({name}), (long long)({name}));\n");
            }
        }

        foreach (var ioctl in model.GetProperty("ioctls").EnumerateArray())
        {
            var name = ioctl.GetProperty("name").GetString();
            c.Append(CultureInfo.InvariantCulture, $"  printf(\"ioctl {name}\\t%lu\\n\", (unsigned long)({name}));\n");
        }

        c.Append("  return 0;\n}\n");
        return c.ToString();
    }
}
