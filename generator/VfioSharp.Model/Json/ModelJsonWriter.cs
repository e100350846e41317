using System;
using System.Collections.Generic;
using System.Globalization;
using VfioSharp.Model.Enums;
using VfioSharp.Model.Ioctls;
using VfioSharp.Model.Macros;
using VfioSharp.Model.Records;

namespace VfioSharp.Model.Json
{
    /// <summary>
    /// Writes a <see cref="UapiModel"/> as the versioned JSON of <c>generator/MODEL.md</c>. The same model
    /// always gives the same bytes: every property is written, in a fixed order, and nothing depends on
    /// the machine (paths are relative to the include root).
    /// </summary>
    public static class ModelJsonWriter
    {
        /// <summary>Serializes <paramref name="model"/>; the text ends with a newline.</summary>
        public static string Write(UapiModel model)
        {
            if (model is null)
            {
                throw new ArgumentNullException(nameof(model));
            }

            var json = new JsonEmitter().BeginObject()
                .Property("schema", UapiModel.SchemaName)
                .Property("schemaVersion", model.SchemaVersion);

            json.Name("headerSet").BeginObject()
                .Property("version", model.HeaderSet.Version);
            StringArray(json.Name("headers"), model.HeaderSet.Headers);
            json.Property("target", model.HeaderSet.Target);
            StringArray(json.Name("arguments"), model.HeaderSet.Arguments);
            json.Property("libclang", model.HeaderSet.Libclang).EndObject();

            json.Name("inputs").BeginArray();
            foreach (var input in model.Inputs)
            {
                json.BeginObject().Property("path", input.Path).Property("sha256", input.Sha256).EndObject();
            }

            json.EndArray();

            json.Name("records").BeginArray();
            foreach (var record in model.Records)
            {
                WriteRecord(json, record);
            }

            json.EndArray();

            json.Name("enums").BeginArray();
            foreach (var enumModel in model.Enums)
            {
                WriteEnum(json, enumModel);
            }

            json.EndArray();

            json.Name("macros").BeginArray();
            foreach (var macro in model.Macros)
            {
                WriteMacro(json, macro);
            }

            json.EndArray();

            json.Name("unevaluatedMacros").BeginArray();
            foreach (var macro in model.UnevaluatedMacros)
            {
                json.BeginObject()
                    .Property("name", macro.Name)
                    .Property("location", macro.Location.ToString())
                    .Property("reason", macro.Reason)
                    .EndObject();
            }

            json.EndArray();

            json.Name("ioctls").BeginArray();
            foreach (var ioctl in model.Ioctls)
            {
                WriteIoctl(json, ioctl);
            }

            json.EndArray();

            json.Name("reports").BeginArray();
            foreach (var report in model.Reports)
            {
                json.BeginObject()
                    .Property("code", report.Code)
                    .Property("severity", Camel(report.Severity))
                    .Property("location", report.Location.ToString())
                    .Property("message", report.Message)
                    .EndObject();
            }

            json.EndArray();
            return json.EndObject().ToString();
        }

        private static void WriteRecord(JsonEmitter json, RecordModel record)
        {
            json.BeginObject()
                .Property("name", record.Name)
                .Property("kind", Camel(record.Kind))
                .Property("size", record.Size)
                .Property("alignment", record.Alignment)
                .Property("packed", record.Packed)
                .Property("anonymous", record.Anonymous)
                .Property("parent", record.Parent)
                .Property("sizeField", record.SizeField)
                .Property("location", record.Location.ToString())
                .Property("doc", record.Doc);

            json.Name("anonymousMembers").BeginArray();
            foreach (var member in record.AnonymousMembers)
            {
                json.BeginObject().Property("record", member.Record).Property("offset", member.Offset).EndObject();
            }

            json.EndArray();

            json.Name("fields").BeginArray();
            foreach (var field in record.Fields)
            {
                json.BeginObject()
                    .Property("name", field.Name)
                    .Property("offset", field.Offset)
                    .Property("size", field.Size)
                    .Property("type", field.Type)
                    .Property("elementType", field.ElementType)
                    .Property("canonicalElementType", field.CanonicalElementType)
                    .Property("elementCategory", Camel(field.ElementCategory))
                    .Property("elementSize", field.ElementSize)
                    .Property("signed", field.Signed);
                json.Name("arrayDimensions").BeginArray();
                foreach (var dimension in field.ArrayDimensions)
                {
                    json.Number(dimension);
                }

                json.EndArray()
                    .Property("flexible", field.Flexible)
                    .Name("bitOffset").NullableNumber(field.BitOffset)
                    .Name("bitWidth").NullableNumber(field.BitWidth)
                    .Property("record", field.Record)
                    .Property("enum", field.Enum)
                    .Property("anonymousRecord", field.AnonymousRecord)
                    .Property("location", field.Location.ToString())
                    .Property("doc", field.Doc)
                    .EndObject();
            }

            json.EndArray().EndObject();
        }

        private static void WriteEnum(JsonEmitter json, EnumModel enumModel)
        {
            json.BeginObject()
                .Property("name", enumModel.Name)
                .Property("underlyingType", enumModel.UnderlyingType)
                .Property("signed", enumModel.Signed)
                .Property("location", enumModel.Location.ToString())
                .Property("doc", enumModel.Doc);
            json.Name("constants").BeginArray();
            foreach (var constant in enumModel.Constants)
            {
                json.BeginObject().Property("name", constant.Name).Name("value");
                if (enumModel.Signed)
                {
                    json.Number(constant.Value);
                }
                else
                {
                    json.Number(unchecked((ulong)constant.Value));
                }

                json.Property("location", constant.Location.ToString())
                    .Property("doc", constant.Doc)
                    .EndObject();
            }

            json.EndArray().EndObject();
        }

        private static void WriteMacro(JsonEmitter json, MacroModel macro)
        {
            json.BeginObject()
                .Property("name", macro.Name)
                .Property("kind", Camel(macro.Kind))
                .Property("type", macro.Type)
                .Property("signed", macro.Signed)
                .Name("value");
            if (macro.Kind == MacroKind.String)
            {
                json.String(macro.StringValue);
            }
            else if (macro.Signed)
            {
                json.Number(macro.IntegerValue);
            }
            else
            {
                json.Number(unchecked((ulong)macro.IntegerValue));
            }

            json.Property("location", macro.Location.ToString())
                .Property("doc", macro.Doc)
                .EndObject();
        }

        private static void WriteIoctl(JsonEmitter json, IoctlModel ioctl)
        {
            json.BeginObject()
                .Property("name", ioctl.Name)
                .Name("request").Number(ioctl.Request)
                .Property("direction", Camel(ioctl.Direction))
                .Property("type", ioctl.Type)
                .Property("nr", ioctl.Number)
                .Property("size", ioctl.Size)
                .Property("fdKind", Camel(ioctl.FdKind))
                .Property("argument", ioctl.Argument)
                .Property("argumentKind", Camel(ioctl.ArgumentKind))
                .Property("argumentDirection", ioctl.ArgumentDirection.HasValue ? Camel(ioctl.ArgumentDirection.Value) : null)
                .Property("passing", Camel(ioctl.Passing))
                .Property("returns", Camel(ioctl.Returns))
                .Property("returnedFdKind", ioctl.ReturnedFdKind.HasValue ? Camel(ioctl.ReturnedFdKind.Value) : null)
                .Property("replyProtocol", Camel(ioctl.ReplyProtocol))
                .Property("argumentSource", Camel(ioctl.ArgumentSource))
                .Property("kerneldocArgument", ioctl.KerneldocArgument)
                .Property("location", ioctl.Location.ToString())
                .Property("doc", ioctl.Doc)
                .EndObject();
        }

        private static void StringArray(JsonEmitter json, IReadOnlyList<string> values)
        {
            json.BeginArray();
            foreach (var value in values)
            {
                json.String(value);
            }

            json.EndArray();
        }

        /// <summary>The JSON spelling of an enum value: its C# name with a lowercase first letter.</summary>
        internal static string Camel<TEnum>(TEnum value)
            where TEnum : struct, Enum
        {
            var name = value.ToString();
            return char.ToLower(name[0], CultureInfo.InvariantCulture) + name.Substring(1);
        }
    }
}
