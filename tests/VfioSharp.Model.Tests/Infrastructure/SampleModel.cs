using VfioSharp.Model.Enums;
using VfioSharp.Model.HeaderSets;
using VfioSharp.Model.Ioctls;
using VfioSharp.Model.Json;
using VfioSharp.Model.Macros;
using VfioSharp.Model.Records;
using VfioSharp.Model.Reports;

namespace VfioSharp.Model.Tests.Infrastructure;

/// <summary>
/// A small model built in code with one of everything the schema has, at the edges of every range:
/// the values a real header set rarely reaches (unsigned 64-bit maxima, negative enum values, strings
/// that need every kind of escape).
/// </summary>
internal static class SampleModel
{
    /// <summary>Needs every escape the writer knows, plus text it must leave alone (non-ASCII, a surrogate pair).</summary>
    public const string AwkwardString = "quote \" backslash \\ slash / tab \t newline \n return \r control \u0001 delete \u007f é 😀";

    public static UapiModel Create() => new()
    {
        HeaderSet = new HeaderSetInfo
        {
            Version = null,
            Headers = ["sample/sample.h"],
            Target = "x86_64-linux-gnu",
            Arguments = ["-nostdinc", "-I<root>"],
            Libclang = "clang version 0 (test)",
        },
        Inputs = [new InputFile("sample/sample.h", new string('a', 64))],
        Records =
        [
            new RecordModel
            {
                Name = "vfio_sample",
                Kind = RecordKind.Struct,
                Size = 40,
                Alignment = 8,
                SizeField = "argsz",
                Location = new SourceLocation("sample/sample.h", 10),
                Doc = AwkwardString,
                AnonymousMembers = [new AnonymousMember("vfio_sample__anon1", 32)],
                Fields =
                [
                    Field("argsz", 0, 4, "__u32", TypeCategory.Integer, line: 11),
                    Field("flags", 4, 4, "__u32", TypeCategory.Integer, line: 12) with { BitOffset = 35, BitWidth = 3 },
                    Field("uuid", 8, 16, "__u8", TypeCategory.Integer, line: 13) with { Type = "__u8[16]", ElementSize = 1, ArrayDimensions = [16] },
                    Field("mode", 24, 4, "enum vfio_sample_mode", TypeCategory.Enum, line: 14) with { Enum = "vfio_sample_mode", Signed = true },
                    Field("low", 32, 4, "__u32", TypeCategory.Integer, line: 16) with { AnonymousRecord = "vfio_sample__anon1" },
                    Field("data", 40, 0, "__u64", TypeCategory.Integer, line: 18) with { Type = "__u64[]", ElementSize = 8, ArrayDimensions = [0], Flexible = true },
                ],
            },
            new RecordModel
            {
                Name = "vfio_sample__anon1",
                Kind = RecordKind.Union,
                Size = 8,
                Alignment = 8,
                Anonymous = true,
                Parent = "vfio_sample",
                Location = new SourceLocation("sample/sample.h", 15),
                AnonymousMembers = [],
                Fields =
                [
                    Field("low", 0, 4, "__u32", TypeCategory.Integer, line: 16),
                    Field("wide", 0, 8, "__u64", TypeCategory.Integer, line: 17),
                ],
            },
        ],
        Enums =
        [
            new EnumModel
            {
                Name = "vfio_sample_mode",
                UnderlyingType = "long",
                Signed = true,
                Location = new SourceLocation("sample/sample.h", 20),
                Constants =
                [
                    Constant("VFIO_SAMPLE_LOWEST", long.MinValue, 21),
                    Constant("VFIO_SAMPLE_HIGHEST", long.MaxValue, 22),
                ],
            },
            new EnumModel
            {
                Name = null,
                UnderlyingType = "unsigned long",
                Signed = false,
                Location = new SourceLocation("sample/sample.h", 24),
                Constants =
                [
                    Constant("VFIO_SAMPLE_ALL_BITS", unchecked((long)ulong.MaxValue), 25),
                    Constant("VFIO_SAMPLE_TOP_BIT", long.MinValue, 26),
                ],
            },
        ],
        Macros =
        [
            Macro("VFIO_SAMPLE_NEGATIVE", "int", signed: true, value: int.MinValue, line: 30),
            Macro("VFIO_SAMPLE_ULLONG_MAX", "unsigned long long", signed: false, value: -1, line: 31),
            new MacroModel
            {
                Name = "VFIO_SAMPLE_NAME",
                Kind = MacroKind.String,
                Type = "char[80]",
                StringValue = AwkwardString,
                Location = new SourceLocation("sample/sample.h", 32),
            },
        ],
        UnevaluatedMacros = [new UnevaluatedMacro("__vfio_sample_packed", new SourceLocation("sample/sample.h", 33), "an attribute")],
        Ioctls =
        [
            new IoctlModel
            {
                Name = "VFIO_SAMPLE_IOCTL",
                Request = 0x3B64,
                Direction = RequestDirection.None,
                Type = 0x3B,
                Number = 100,
                Size = 0,
                FdKind = FdKind.Device,
                Argument = "vfio_sample",
                ArgumentKind = ArgumentKind.Record,
                ArgumentDirection = ArgumentDirection.InOut,
                Passing = ArgumentPassing.Pointer,
                Returns = IoctlReturn.Fd,
                ReturnedFdKind = FdKind.Migration,
                ReplyProtocol = ReplyProtocol.ArgszGrow,
                ArgumentSource = ArgumentSource.Table,
                KerneldocArgument = "struct vfio_sample",
                Location = new SourceLocation("sample/sample.h", 40),
                Doc = "ioctl(VFIO_SAMPLE_IOCTL, struct vfio_sample)",
            },
            new IoctlModel
            {
                Name = "SAMPLE_ALL_BITS_REQUEST",
                Request = ulong.MaxValue,
                Direction = RequestDirection.ReadWrite,
                Type = 0xFF,
                Number = 0xFF,
                Size = 0x3FFF,
                FdKind = FdKind.Generic,
                ArgumentKind = ArgumentKind.Undetermined,
                Passing = ArgumentPassing.None,
                Returns = IoctlReturn.Status,
                ReplyProtocol = ReplyProtocol.None,
                ArgumentSource = ArgumentSource.Undetermined,
                Location = new SourceLocation("sample/sample.h", 41),
            },
        ],
        Reports = [new ScanReport("VSCAN104", ReportSeverity.Warning, new SourceLocation("sample/sample.h", 9), "a warning")],
    };

    /// <summary>The sample as the writer writes it.</summary>
    public static string Text() => ModelJsonWriter.Write(Create());

    public static FieldModel Field(string name, long offset, long size, string type, TypeCategory category, int line) => new()
    {
        Name = name,
        Offset = offset,
        Size = size,
        Type = type,
        ElementType = type,
        CanonicalElementType = type,
        ElementCategory = category,
        ElementSize = size,
        ArrayDimensions = [],
        Location = new SourceLocation("sample/sample.h", line),
    };

    private static EnumConstantModel Constant(string name, long value, int line) =>
        new() { Name = name, Value = value, Location = new SourceLocation("sample/sample.h", line) };

    private static MacroModel Macro(string name, string type, bool signed, long value, int line) => new()
    {
        Name = name,
        Kind = MacroKind.Integer,
        Type = type,
        Signed = signed,
        IntegerValue = value,
        Location = new SourceLocation("sample/sample.h", line),
    };
}
