using System.Collections.Generic;
using System.Linq;

namespace VfioSharp.Emitter.Names
{
    /// <summary>C names as C# identifiers: kept as they are, keywords escaped with <c>@</c>.</summary>
    internal static class CSharpNames
    {
        private static readonly HashSet<string> Keywords = new HashSet<string>(new[]
        {
            "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const",
            "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern",
            "false", "finally", "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface",
            "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out", "override",
            "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed", "short",
            "sizeof", "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try", "typeof",
            "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile", "while",
        });

        /// <summary>The identifier for a C name: <c>event</c> → <c>@event</c>.</summary>
        public static string Identifier(string name) => Keywords.Contains(name) ? "@" + name : name;

        /// <summary>The class that holds a header's constants: its file name (<c>linux/vfio.h</c> → <c>vfio</c>).</summary>
        public static string HeaderClass(string header, IEnumerable<string> allHeaders)
        {
            var baseName = BaseName(header);
            var clashes = allHeaders.Count(other => BaseName(other) == baseName) > 1;
            var name = clashes ? header.Replace('/', '_').Replace('-', '_').Replace('.', '_') : baseName;
            return Identifier(name.EndsWith("_h", System.StringComparison.Ordinal) && clashes ? name.Substring(0, name.Length - 2) : name);
        }

        private static string BaseName(string header)
        {
            var file = header.Substring(header.LastIndexOf('/') + 1);
            var dot = file.LastIndexOf('.');
            var name = dot > 0 ? file.Substring(0, dot) : file;
            return new string(name.Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray());
        }

        /// <summary>The C# type of an integer of <paramref name="size"/> bytes.</summary>
        public static string? Integer(long size, bool signed) => size switch
        {
            1 => signed ? "sbyte" : "byte",
            2 => signed ? "short" : "ushort",
            4 => signed ? "int" : "uint",
            8 => signed ? "long" : "ulong",
            16 => signed ? "System.Int128" : "System.UInt128",
            _ => null,
        };

        /// <summary>The C# type of a macro's C type, or null when it has none.</summary>
        public static string? MacroType(string cType) => cType switch
        {
            "int" => "int",
            "unsigned int" => "uint",
            "long" => "long",
            "unsigned long" => "ulong",
            "long long" => "long",
            "unsigned long long" => "ulong",
            "short" => "short",
            "unsigned short" => "ushort",
            "char" => "sbyte",
            "signed char" => "sbyte",
            "unsigned char" => "byte",
            "_Bool" => "bool",
            _ => null,
        };
    }
}
