using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using VfioSharp.Emitter.Docs;
using VfioSharp.Emitter.Names;
using VfioSharp.Emitter.Output;
using VfioSharp.Model;
using VfioSharp.Model.Enums;
using VfioSharp.Model.Records;

namespace VfioSharp.Emitter.Records
{
    /// <summary>
    /// Records as explicit-layout structs with clang's sizes and offsets. Members of anonymous
    /// structs/unions are emitted flat at their offsets, so C11 code reads the same in C#
    /// (<c>config.ioas_id</c>); each anonymous member is also reachable whole as <c>__anonN</c>.
    /// </summary>
    internal sealed class RecordEmitter
    {
        public const string BitFieldsClass = "UapiBitFields";

        private readonly UapiModel _model;
        private readonly string _accessibility;
        private readonly Dictionary<string, EnumModel> _enums;
        private readonly HashSet<string> _emitted = new HashSet<string>(System.StringComparer.Ordinal);
        private readonly List<EmitDiagnostic> _diagnostics;

        public RecordEmitter(UapiModel model, string accessibility, List<EmitDiagnostic> diagnostics)
        {
            _model = model;
            _accessibility = accessibility;
            _diagnostics = diagnostics;
            _enums = model.Enums.Where(e => e.Name != null).GroupBy(e => e.Name!).ToDictionary(g => g.Key, g => g.First(), System.StringComparer.Ordinal);
        }

        public InlineArrayCatalog Arrays { get; } = new InlineArrayCatalog();

        /// <summary>The records written (after <see cref="Write"/>): the others could not be expressed.</summary>
        public ISet<string> Emitted => _emitted;

        public bool UsesBitFields { get; private set; }

        public void Write(CodeWriter code)
        {
            foreach (var record in _model.Records.Where(Expressible))
            {
                _emitted.Add(record.Name);
            }

            foreach (var record in _model.Records.Where(r => _emitted.Contains(r.Name)))
            {
                WriteRecord(code, record);
            }
        }

        /// <summary>Whether <paramref name="record"/> can be emitted; reports why not when it can't.</summary>
        private bool Expressible(RecordModel record)
        {
            if (record.Size <= 0)
            {
                _diagnostics.Add(new EmitDiagnostic(EmitDiagnosticIds.Unexpressible, false, record.Location,
                    (record.Kind == RecordKind.Union ? "union " : "struct ") + record.Name + " has no members (size 0): a C# struct can't be empty, so it is left out"));
                return false;
            }

            foreach (var field in record.Fields)
            {
                if (ElementType(field) is null)
                {
                    _diagnostics.Add(new EmitDiagnostic(EmitDiagnosticIds.Unexpressible, false, field.Location,
                        "field '" + field.Name + "' of " + record.Name + " has type '" + field.Type + "', which the emitter can't express: " + record.Name + " is left out"));
                    return false;
                }

                if (field.BitWidth is int width && (width > 64 || field.ArrayDimensions.Count > 0))
                {
                    _diagnostics.Add(new EmitDiagnostic(EmitDiagnosticIds.Unexpressible, false, field.Location,
                        "bitfield '" + field.Name + "' of " + record.Name + " is wider than 64 bits: " + record.Name + " is left out"));
                    return false;
                }
            }

            return true;
        }

        private void WriteRecord(CodeWriter code, RecordModel record)
        {
            var keyword = record.Kind == RecordKind.Union ? "union" : "struct";
            var name = CSharpNames.Identifier(record.Name);
            DocComment.Write(code, record.Doc, keyword + " " + record.Name, record.Location);
            code.Line("[global::System.Runtime.InteropServices.StructLayout(global::System.Runtime.InteropServices.LayoutKind.Explicit, Size = " + record.Size.ToString(CultureInfo.InvariantCulture) + ")]");
            code.Open(_accessibility + " unsafe partial struct " + name);

            var anonymousByRecord = record.AnonymousMembers.ToDictionary(m => m.Record, m => m.Offset, System.StringComparer.Ordinal);
            foreach (var member in record.AnonymousMembers)
            {
                if (!_emitted.Contains(member.Record))
                {
                    continue;
                }

                var fieldName = member.Record.Substring(record.Name.Length + 2);
                code.Line("/// <summary>The anonymous member <c>" + fieldName + "</c> as a whole (its members are also fields of this struct, as in C11).</summary>");
                code.Line("[global::System.Runtime.InteropServices.FieldOffset(" + member.Offset.ToString(CultureInfo.InvariantCulture) + ")]");
                var memberSize = _model.Records.First(r => r.Name == member.Record).Size;
                code.Line("[global::VfioSharp.UapiField(" + member.Offset.ToString(CultureInfo.InvariantCulture) + ", " + memberSize.ToString(CultureInfo.InvariantCulture) + ")]");
                code.Line("public " + CSharpNames.Identifier(member.Record) + " " + fieldName + ";");
                code.Line();
            }

            foreach (var field in record.Fields)
            {
                WriteField(code, record, field);
                code.Line();
            }

            code.Close();
            code.Line();
        }

        private void WriteField(CodeWriter code, RecordModel record, FieldModel field)
        {
            var name = CSharpNames.Identifier(field.Name);
            var element = ElementType(field)!;
            DocComment.Write(code, field.Doc, field.Type + " " + field.Name + (field.BitWidth is int w ? " : " + w.ToString(CultureInfo.InvariantCulture) : string.Empty), field.Location);

            if (field.BitWidth is int width)
            {
                UsesBitFields = true;
                var bits = field.BitOffset!.Value.ToString(CultureInfo.InvariantCulture) + ", " + width.ToString(CultureInfo.InvariantCulture);
                var self = "ref global::System.Runtime.CompilerServices.Unsafe.As<" + CSharpNames.Identifier(record.Name) + ", byte>(ref this)";
                string read;
                string write;
                if (element == "bool")
                {
                    read = BitFieldsClass + ".Read(" + self + ", " + bits + ") != 0";
                    write = BitFieldsClass + ".Write(" + self + ", " + bits + ", value ? 1UL : 0UL)";
                }
                else if (field.Signed)
                {
                    read = "unchecked((" + element + ")" + BitFieldsClass + ".ReadSigned(" + self + ", " + bits + "))";
                    write = BitFieldsClass + ".Write(" + self + ", " + bits + ", unchecked((ulong)(long)value))";
                }
                else
                {
                    read = "unchecked((" + element + ")" + BitFieldsClass + ".Read(" + self + ", " + bits + "))";
                    write = BitFieldsClass + ".Write(" + self + ", " + bits + ", unchecked((ulong)value))";
                }

                var firstByte = field.BitOffset!.Value / 8;
                var touched = (field.BitOffset!.Value % 8 + width + 7) / 8;
                code.Line("[global::VfioSharp.UapiField(" + firstByte.ToString(CultureInfo.InvariantCulture) + ", " + touched.ToString(CultureInfo.InvariantCulture) + ")]");
                code.Open("public " + element + " " + name);
                code.Line("get => " + read + ";");
                code.Line("set => " + write + ";");
                code.Close();
                return;
            }

            if (field.Flexible)
            {
                var item = field.ArrayDimensions.Count > 1 ? Arrays.ArrayOf(element, field.ArrayDimensions.Skip(1).ToList()) : element;
                code.Line("/// <param name=\"count\">How many elements follow the struct in the caller's buffer: nothing checks it.</param>");
                code.Line("[global::System.Diagnostics.CodeAnalysis.UnscopedRef]");
                code.Open("public global::System.Span<" + item + "> " + name + "(int count)");
                code.Line("// SAFETY: a flexible array member lives right after the fixed part; the caller vouches for count.");
                code.Line("return global::System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref global::System.Runtime.CompilerServices.Unsafe.As<byte, " + item + ">(ref global::System.Runtime.CompilerServices.Unsafe.AddByteOffset(ref global::System.Runtime.CompilerServices.Unsafe.As<" + CSharpNames.Identifier(record.Name) + ", byte>(ref this), (nint)" + field.Offset.ToString(CultureInfo.InvariantCulture) + ")), count);");
                code.Close();
                return;
            }

            var type = field.ArrayDimensions.Count > 0 ? Arrays.ArrayOf(element, field.ArrayDimensions) : element;
            if (IsFileDescriptor(field))
            {
                code.Line("[global::VfioSharp.FileDescriptor]");
            }

            code.Line("[global::System.Runtime.InteropServices.FieldOffset(" + field.Offset.ToString(CultureInfo.InvariantCulture) + ")]");
            code.Line("[global::VfioSharp.UapiField(" + field.Offset.ToString(CultureInfo.InvariantCulture) + ", " + field.Size.ToString(CultureInfo.InvariantCulture) + ")]");
            code.Line("public " + type + " " + name + ";");
        }

        /// <summary>
        /// A signed 32-bit field named <c>fd</c> or ending in <c>fd</c> (<c>data_fd</c>, <c>iommufd</c>,
        /// <c>out_fault_fd</c>) holds a file descriptor: marked for the VFIO003 analyzer.
        /// </summary>
        private static bool IsFileDescriptor(FieldModel field) =>
            field.ElementCategory == TypeCategory.Integer && field.Signed && field.ElementSize == 4 && field.ArrayDimensions.Count == 0
            && field.Name.EndsWith("fd", System.StringComparison.Ordinal);

        /// <summary>The C# type of one element of <paramref name="field"/>, or null when there is none.</summary>
        private string? ElementType(FieldModel field)
        {
            switch (field.ElementCategory)
            {
                case TypeCategory.Integer:
                    return field.CanonicalElementType == "char" ? "byte" : CSharpNames.Integer(field.ElementSize, field.Signed);
                case TypeCategory.Bool:
                    return field.ElementSize == 1 ? "bool" : null;
                case TypeCategory.Float:
                    return field.ElementSize == 4 ? "float" : field.ElementSize == 8 ? "double" : null;
                case TypeCategory.Pointer:
                    return "nint";
                case TypeCategory.Enum:
                    if (field.Enum != null && _enums.ContainsKey(field.Enum) && field.BitWidth is null)
                    {
                        return CSharpNames.Identifier(field.Enum);
                    }

                    return CSharpNames.Integer(field.ElementSize, field.Signed);
                case TypeCategory.Record:
                    return field.Record != null && _model.Records.Any(r => r.Name == field.Record) ? CSharpNames.Identifier(field.Record) : null;
                default:
                    return null;
            }
        }

        /// <summary>The bit access helper the bitfield properties call (emitted once per namespace).</summary>
        public static void WriteBitFields(CodeWriter code)
        {
            code.Line("/// <summary>Reads and writes C bitfields bit by bit (little-endian, as x86_64 lays them out).</summary>");
            code.Open("internal static class " + BitFieldsClass);
            code.Open("public static ulong Read(ref byte record, int bitOffset, int width)");
            code.Line("ulong value = 0;");
            code.Open("for (var i = 0; i < width; i++)");
            code.Line("var bit = bitOffset + i;");
            code.Open("if (((global::System.Runtime.CompilerServices.Unsafe.Add(ref record, bit >> 3) >> (bit & 7)) & 1) != 0)");
            code.Line("value |= 1UL << i;");
            code.Close();
            code.Close();
            code.Line("return value;");
            code.Close();
            code.Line();
            code.Open("public static long ReadSigned(ref byte record, int bitOffset, int width)");
            code.Line("var value = Read(ref record, bitOffset, width);");
            code.Line("return width < 64 && ((value >> (width - 1)) & 1) != 0 ? unchecked((long)(value | (~0UL << width))) : unchecked((long)value);");
            code.Close();
            code.Line();
            code.Open("public static void Write(ref byte record, int bitOffset, int width, ulong value)");
            code.Open("for (var i = 0; i < width; i++)");
            code.Line("var bit = bitOffset + i;");
            code.Line("ref var target = ref global::System.Runtime.CompilerServices.Unsafe.Add(ref record, bit >> 3);");
            code.Line("var mask = (byte)(1 << (bit & 7));");
            code.Line("target = ((value >> i) & 1) != 0 ? (byte)(target | mask) : (byte)(target & ~mask);");
            code.Close();
            code.Close();
            code.Close();
        }
    }
}
