using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using VfioSharp.Emitter.Docs;
using VfioSharp.Emitter.Names;
using VfioSharp.Emitter.Output;
using VfioSharp.Model;
using VfioSharp.Model.Enums;
using VfioSharp.Model.Macros;

namespace VfioSharp.Emitter.Constants
{
    /// <summary>
    /// Named enums as C# enums; macros, the constants of anonymous enums and ioctl request numbers as
    /// constants of a static class named after their header (<c>linux/vfio.h</c> → <c>vfio</c>), so that
    /// <c>using static</c> makes C names read as in C.
    /// </summary>
    internal static class ConstantEmitter
    {
        public static void WriteEnums(CodeWriter code, UapiModel model, string accessibility, List<EmitDiagnostic> diagnostics)
        {
            foreach (var enumeration in model.Enums.Where(e => e.Name != null))
            {
                var underlying = CSharpNames.MacroType(enumeration.UnderlyingType);
                if (underlying is null)
                {
                    diagnostics.Add(new EmitDiagnostic(EmitDiagnosticIds.Unexpressible, false, enumeration.Location,
                        "enum " + enumeration.Name + " has the integer type '" + enumeration.UnderlyingType + "', which has no C# equivalent: it is left out"));
                    continue;
                }

                DocComment.Write(code, enumeration.Doc, "enum " + enumeration.Name, enumeration.Location);
                code.Open(accessibility + " enum " + CSharpNames.Identifier(enumeration.Name!) + " : " + underlying);
                foreach (var constant in enumeration.Constants)
                {
                    DocComment.Write(code, constant.Doc, constant.Name, constant.Location);
                    code.Line(CSharpNames.Identifier(constant.Name) + " = " + Literal(constant.Value, enumeration.Signed, underlying) + ",");
                }

                code.Close();
                code.Line();
            }
        }

        /// <summary>Writes the constants that belong to <paramref name="header"/> inside its class.</summary>
        public static void WriteHeaderConstants(CodeWriter code, UapiModel model, string header, List<EmitDiagnostic> diagnostics)
        {
            foreach (var enumeration in model.Enums.Where(e => e.Name == null && e.Location.File == header))
            {
                var type = CSharpNames.MacroType(enumeration.UnderlyingType) ?? "long";
                foreach (var constant in enumeration.Constants)
                {
                    DocComment.Write(code, constant.Doc, constant.Name + " (anonymous enum)", constant.Location);
                    code.Line("public const " + type + " " + CSharpNames.Identifier(constant.Name) + " = " + Literal(constant.Value, enumeration.Signed, type) + ";");
                    code.Line();
                }
            }

            foreach (var macro in model.Macros.Where(m => m.Location.File == header))
            {
                WriteMacro(code, macro, diagnostics);
            }
        }

        private static void WriteMacro(CodeWriter code, MacroModel macro, List<EmitDiagnostic> diagnostics)
        {
            if (macro.Kind == MacroKind.String)
            {
                DocComment.Write(code, macro.Doc, "#define " + macro.Name, macro.Location);
                code.Line("public const string " + CSharpNames.Identifier(macro.Name) + " = " + StringLiteral(macro.StringValue ?? string.Empty) + ";");
                code.Line();
                return;
            }

            var type = CSharpNames.MacroType(macro.Type);
            if (type is null)
            {
                diagnostics.Add(new EmitDiagnostic(EmitDiagnosticIds.Unexpressible, false, macro.Location,
                    "macro " + macro.Name + " has the type '" + macro.Type + "', which has no C# equivalent: it is left out"));
                return;
            }

            DocComment.Write(code, macro.Doc, "#define " + macro.Name + " (" + macro.Type + ")", macro.Location);
            code.Line("public const " + type + " " + CSharpNames.Identifier(macro.Name) + " = " + Literal(macro.IntegerValue, macro.Signed, type) + ";");
            code.Line();
        }

        /// <summary>A C# literal of <paramref name="type"/> holding the bits of <paramref name="value"/>.</summary>
        public static string Literal(long value, bool signed, string type)
        {
            if (type == "bool")
            {
                return value != 0 ? "true" : "false";
            }

            var text = signed ? value.ToString(CultureInfo.InvariantCulture) : unchecked((ulong)value).ToString(CultureInfo.InvariantCulture);
            switch (type)
            {
                case "long":
                    return signed ? text + "L" : "unchecked((long)" + text + "UL)";
                case "ulong":
                    return signed && value < 0 ? "unchecked((ulong)" + text + "L)" : text + "UL";
                case "uint":
                    return signed && value < 0 ? "unchecked((uint)" + text + ")" : unchecked((uint)value).ToString(CultureInfo.InvariantCulture) + "U";
                case "int":
                    return signed ? text : "unchecked((int)" + text + "U)";
                default:
                    return "unchecked((" + type + ")" + text + (signed ? "L" : "UL") + ")";
            }
        }

        private static string StringLiteral(string value)
        {
            var text = new StringBuilder("\"");
            foreach (var c in value)
            {
                switch (c)
                {
                    case '"': text.Append("\\\""); break;
                    case '\\': text.Append("\\\\"); break;
                    case '\n': text.Append("\\n"); break;
                    case '\r': text.Append("\\r"); break;
                    case '\t': text.Append("\\t"); break;
                    default:
                        if (c < ' ')
                        {
                            text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        }
                        else
                        {
                            text.Append(c);
                        }

                        break;
                }
            }

            return text.Append('"').ToString();
        }
    }
}
