using System;
using System.Globalization;
using VfioSharp.Model.Enums;
using VfioSharp.Model.HeaderSets;
using VfioSharp.Model.Ioctls;
using VfioSharp.Model.Macros;
using VfioSharp.Model.Records;
using VfioSharp.Model.Reports;

namespace VfioSharp.Model.Json
{
    /// <summary>
    /// Reads the versioned JSON of <c>generator/MODEL.md</c> into a <see cref="UapiModel"/>: the exact
    /// inverse of <see cref="ModelJsonWriter"/> (writing what was read gives the same bytes). Strict:
    /// every property must be present, none may be unknown, and anything else is a
    /// <see cref="ModelFormatException"/> naming the line, column and JSON path.
    /// </summary>
    public static class ModelJsonReader
    {
        private static readonly string[] TopLevelProperties =
        {
            "schema", "schemaVersion", "headerSet", "inputs", "records", "enums", "macros", "unevaluatedMacros", "ioctls", "reports",
        };

        private static readonly string[] HeaderSetProperties = { "version", "headers", "target", "arguments", "libclang" };

        private static readonly string[] InputProperties = { "path", "sha256" };

        private static readonly string[] RecordProperties =
        {
            "name", "kind", "size", "alignment", "packed", "anonymous", "parent", "sizeField", "location", "doc", "anonymousMembers", "fields",
        };

        private static readonly string[] AnonymousMemberProperties = { "record", "offset" };

        private static readonly string[] FieldProperties =
        {
            "name", "offset", "size", "type", "elementType", "canonicalElementType", "elementCategory", "elementSize", "signed",
            "arrayDimensions", "flexible", "bitOffset", "bitWidth", "record", "enum", "anonymousRecord", "location", "doc",
        };

        private static readonly string[] EnumProperties = { "name", "underlyingType", "signed", "location", "doc", "constants" };

        private static readonly string[] EnumConstantProperties = { "name", "value", "location", "doc" };

        private static readonly string[] MacroProperties = { "name", "kind", "type", "signed", "value", "location", "doc" };

        private static readonly string[] UnevaluatedMacroProperties = { "name", "location", "reason" };

        private static readonly string[] IoctlProperties =
        {
            "name", "request", "direction", "type", "nr", "size", "fdKind", "argument", "argumentKind", "argumentDirection", "passing",
            "returns", "returnedFdKind", "replyProtocol", "argumentSource", "kerneldocArgument", "location", "doc",
        };

        private static readonly string[] ReportProperties = { "code", "severity", "location", "message" };

        /// <summary>Reads a model from its JSON text.</summary>
        /// <exception cref="ModelFormatException">
        /// The text is not valid JSON, not a model (<c>schema</c>), a model of another
        /// <c>schemaVersion</c> than <see cref="UapiModel.CurrentSchemaVersion"/>, or a model with a missing,
        /// unknown or ill-typed property.
        /// </exception>
        public static UapiModel Read(string json)
        {
            if (json is null)
            {
                throw new ArgumentNullException(nameof(json));
            }

            var reader = new JsonValueReader(JsonParser.Parse(json));
            const int root = 0;
            CheckSchema(reader, root);
            var model = reader.Members(root, TopLevelProperties);
            return new UapiModel
            {
                SchemaVersion = UapiModel.CurrentSchemaVersion,
                HeaderSet = ReadHeaderSet(reader, model["headerSet"]),
                Inputs = model.Array("inputs", node =>
                {
                    var input = reader.Members(node, InputProperties);
                    return new InputFile(input.String("path"), input.String("sha256"));
                }),
                Records = model.Array("records", node => ReadRecord(reader, node)),
                Enums = model.Array("enums", node => ReadEnum(reader, node)),
                Macros = model.Array("macros", node => ReadMacro(reader, node)),
                UnevaluatedMacros = model.Array("unevaluatedMacros", node =>
                {
                    var macro = reader.Members(node, UnevaluatedMacroProperties);
                    return new UnevaluatedMacro(macro.String("name"), macro.Location("location"), macro.String("reason"));
                }),
                Ioctls = model.Array("ioctls", node => ReadIoctl(reader, node)),
                Reports = model.Array("reports", node =>
                {
                    var report = reader.Members(node, ReportProperties);
                    return new ScanReport(report.String("code"), report.Enum<ReportSeverity>("severity"), report.Location("location"), report.String("message"));
                }),
            };
        }

        /// <summary>
        /// Checks <c>schema</c> and <c>schemaVersion</c> before anything else: a model of another version
        /// must be reported as such, not as the first property this version does not know.
        /// </summary>
        private static void CheckSchema(JsonValueReader json, int root)
        {
            if (json.Tree[root].Kind != JsonNodeKind.Object)
            {
                throw json.Error(root, "expected an object (a VfioSharp uapi model), found " + JsonValueReader.Describe(json.Tree[root].Kind));
            }

            var schema = json.FindMember(root, "schema");
            if (schema < 0)
            {
                throw json.MissingProperty(root, "schema");
            }

            if (json.Tree[schema].Kind != JsonNodeKind.String || !json.Tree.StringEquals(schema, UapiModel.SchemaName))
            {
                var found = json.Tree[schema].Kind == JsonNodeKind.String ? "'" + json.Tree.StringValue(schema) + "'" : json.Tree.TokenText(schema);
                throw json.Error(schema, "not a VfioSharp uapi model: schema is " + found + ", expected '" + UapiModel.SchemaName + "'");
            }

            var version = json.FindMember(root, "schemaVersion");
            if (version < 0)
            {
                throw json.MissingProperty(root, "schemaVersion");
            }

            if (json.Tree[version].Kind != JsonNodeKind.Number || !json.Tree.TryReadInteger(version, out var negative, out var magnitude)
                || negative || magnitude != UapiModel.CurrentSchemaVersion)
            {
                throw json.Error(version, string.Format(
                    CultureInfo.InvariantCulture,
                    "the model has schemaVersion {0}; this reader reads schemaVersion {1} (rescan the headers with the matching vfiosharp)",
                    json.Tree[version].Kind == JsonNodeKind.String ? "'" + json.Tree.StringValue(version) + "'" : json.Tree.TokenText(version),
                    UapiModel.CurrentSchemaVersion));
            }
        }

        private static HeaderSetInfo ReadHeaderSet(JsonValueReader json, int node)
        {
            var headerSet = json.Members(node, HeaderSetProperties);
            return new HeaderSetInfo
            {
                Version = headerSet.NullableString("version"),
                Headers = headerSet.Strings("headers"),
                Target = headerSet.String("target"),
                Arguments = headerSet.Strings("arguments"),
                Libclang = headerSet.String("libclang"),
            };
        }

        private static RecordModel ReadRecord(JsonValueReader json, int node)
        {
            var record = json.Members(node, RecordProperties);
            return new RecordModel
            {
                Name = record.String("name"),
                Kind = record.Enum<RecordKind>("kind"),
                Size = record.Int64("size"),
                Alignment = record.Int64("alignment"),
                Packed = record.Boolean("packed"),
                Anonymous = record.Boolean("anonymous"),
                Parent = record.NullableString("parent"),
                SizeField = record.NullableString("sizeField"),
                Location = record.Location("location"),
                Doc = record.NullableString("doc"),
                AnonymousMembers = record.Array("anonymousMembers", member =>
                {
                    var anonymous = json.Members(member, AnonymousMemberProperties);
                    return new AnonymousMember(anonymous.String("record"), anonymous.Int64("offset"));
                }),
                Fields = record.Array("fields", field => ReadField(json, field)),
            };
        }

        private static FieldModel ReadField(JsonValueReader json, int node)
        {
            var field = json.Members(node, FieldProperties);
            return new FieldModel
            {
                Name = field.String("name"),
                Offset = field.Int64("offset"),
                Size = field.Int64("size"),
                Type = field.String("type"),
                ElementType = field.String("elementType"),
                CanonicalElementType = field.String("canonicalElementType"),
                ElementCategory = field.Enum<TypeCategory>("elementCategory"),
                ElementSize = field.Int64("elementSize"),
                Signed = field.Boolean("signed"),
                ArrayDimensions = field.Array("arrayDimensions", json.Int64),
                Flexible = field.Boolean("flexible"),
                BitOffset = field.NullableInt64("bitOffset"),
                BitWidth = field.NullableInt32("bitWidth"),
                Record = field.NullableString("record"),
                Enum = field.NullableString("enum"),
                AnonymousRecord = field.NullableString("anonymousRecord"),
                Location = field.Location("location"),
                Doc = field.NullableString("doc"),
            };
        }

        private static EnumModel ReadEnum(JsonValueReader json, int node)
        {
            var enumModel = json.Members(node, EnumProperties);
            var signed = enumModel.Boolean("signed");
            return new EnumModel
            {
                Name = enumModel.NullableString("name"),
                UnderlyingType = enumModel.String("underlyingType"),
                Signed = signed,
                Location = enumModel.Location("location"),
                Doc = enumModel.NullableString("doc"),
                Constants = enumModel.Array("constants", constantNode =>
                {
                    var constant = json.Members(constantNode, EnumConstantProperties);
                    return new EnumConstantModel
                    {
                        Name = constant.String("name"),
                        // The writer spells an unsigned enum's values unsigned; the model keeps the bits in a long.
                        Value = signed ? constant.Int64("value") : unchecked((long)constant.UInt64("value")),
                        Location = constant.Location("location"),
                        Doc = constant.NullableString("doc"),
                    };
                }),
            };
        }

        private static MacroModel ReadMacro(JsonValueReader json, int node)
        {
            var macro = json.Members(node, MacroProperties);
            var kind = macro.Enum<MacroKind>("kind");
            var signed = macro.Boolean("signed");
            return new MacroModel
            {
                Name = macro.String("name"),
                Kind = kind,
                Type = macro.String("type"),
                Signed = signed,
                StringValue = kind == MacroKind.String ? macro.NullableString("value") : null,
                // Unsigned macros are spelled unsigned, as for enums: the bits go back into the long.
                IntegerValue = kind == MacroKind.String ? 0 : signed ? macro.Int64("value") : unchecked((long)macro.UInt64("value")),
                Location = macro.Location("location"),
                Doc = macro.NullableString("doc"),
            };
        }

        private static IoctlModel ReadIoctl(JsonValueReader json, int node)
        {
            var ioctl = json.Members(node, IoctlProperties);
            return new IoctlModel
            {
                Name = ioctl.String("name"),
                Request = ioctl.UInt64("request"),
                Direction = ioctl.Enum<RequestDirection>("direction"),
                Type = ioctl.Int32("type"),
                Number = ioctl.Int32("nr"),
                Size = ioctl.Int32("size"),
                FdKind = ioctl.Enum<FdKind>("fdKind"),
                Argument = ioctl.NullableString("argument"),
                ArgumentKind = ioctl.Enum<ArgumentKind>("argumentKind"),
                ArgumentDirection = ioctl.NullableEnum<ArgumentDirection>("argumentDirection"),
                Passing = ioctl.Enum<ArgumentPassing>("passing"),
                Returns = ioctl.Enum<IoctlReturn>("returns"),
                ReturnedFdKind = ioctl.NullableEnum<FdKind>("returnedFdKind"),
                ReplyProtocol = ioctl.Enum<ReplyProtocol>("replyProtocol"),
                ArgumentSource = ioctl.Enum<ArgumentSource>("argumentSource"),
                KerneldocArgument = ioctl.NullableString("kerneldocArgument"),
                Location = ioctl.Location("location"),
                Doc = ioctl.NullableString("doc"),
            };
        }
    }
}
