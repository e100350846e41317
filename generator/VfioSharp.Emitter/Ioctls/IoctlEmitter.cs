using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using VfioSharp.Emitter.Docs;
using VfioSharp.Emitter.Names;
using VfioSharp.Emitter.Output;
using VfioSharp.Model;
using VfioSharp.Model.Ioctls;
using VfioSharp.Model.Records;

namespace VfioSharp.Emitter.Ioctls
{
    /// <summary>
    /// Request constants, and typed calls that only exist on the handle type of the ioctl's fd kind and
    /// only take its argument type: a call on the wrong fd kind or with the wrong argument does not compile
    /// (ten VFIO request numbers are shared by ioctls of different fd kinds). Each ioctl gets a Try form
    /// that returns the kernel's result or -errno without allocating, and a throwing form.
    /// </summary>
    internal sealed class IoctlEmitter
    {
        private const string Call = "global::VfioSharp.Ioctls.IoctlCall.Invoke";
        private const string Inline = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]";
        private const string Throw = "global::VfioSharp.Ioctls.IoctlException.Throw";

        private readonly UapiModel _model;
        private readonly ISet<string> _emittedRecords;
        private readonly List<EmitDiagnostic> _diagnostics;

        public IoctlEmitter(UapiModel model, ISet<string> emittedRecords, List<EmitDiagnostic> diagnostics)
        {
            _model = model;
            _emittedRecords = emittedRecords;
            _diagnostics = diagnostics;
        }

        public void WriteRequestConstants(CodeWriter code, string header)
        {
            foreach (var ioctl in _model.Ioctls.Where(i => i.Location.File == header))
            {
                DocComment.Write(code, ioctl.Doc, "#define " + ioctl.Name + " (request 0x" + ioctl.Request.ToString("X", CultureInfo.InvariantCulture) + ")", ioctl.Location);
                WriteRequestAttribute(code, ioctl);
                code.Line("public const ulong " + CSharpNames.Identifier(ioctl.Name) + " = 0x" + ioctl.Request.ToString("X", CultureInfo.InvariantCulture) + "UL;");
                code.Line();
            }
        }

        /// <summary>The table's facts on the constant, for analyzers of raw calls in any assembly (VFIO004, VFIO005).</summary>
        private void WriteRequestAttribute(CodeWriter code, IoctlModel ioctl)
        {
            string argument;
            string? sizeField = null;
            switch (ioctl.ArgumentKind)
            {
                case ArgumentKind.None:
                    argument = "null";
                    break;
                case ArgumentKind.Record when _emittedRecords.Contains(ioctl.Argument!):
                    argument = "typeof(" + CSharpNames.Identifier(ioctl.Argument!) + ")";
                    sizeField = _model.Records.First(r => r.Name == ioctl.Argument).SizeField;
                    break;
                case ArgumentKind.Scalar when ScalarType(ioctl.Argument!) is string scalar:
                    argument = "typeof(" + (scalar == "char" ? "byte" : scalar) + ")";
                    break;
                default:
                    return;
            }

            var direction = ioctl.ArgumentDirection switch
            {
                ArgumentDirection.In => "In",
                ArgumentDirection.Out => "Out",
                ArgumentDirection.InOut => "InOut",
                _ => "None",
            };
            var named = (sizeField is null ? string.Empty : ", SizeField = \"" + sizeField + "\"") +
                (ioctl.Passing == ArgumentPassing.Value ? ", PassedByValue = true" : string.Empty);
            code.Line("[global::VfioSharp.IoctlRequest(global::VfioSharp.Handles.FdKind." + ioctl.FdKind +
                ", " + argument + ", global::VfioSharp.IoctlArgumentDirection." + direction + named + ")]");
        }

        /// <summary>Writes the typed calls of <paramref name="header"/>'s ioctls into the current class.</summary>
        public void WriteCalls(CodeWriter code, string header, string headerClass)
        {
            foreach (var ioctl in _model.Ioctls.Where(i => i.Location.File == header))
            {
                var parameter = Parameter(ioctl);
                if (parameter is null)
                {
                    continue;
                }

                var request = headerClass + "." + CSharpNames.Identifier(ioctl.Name);
                WriteCall(code, ioctl, request, parameter);
                if (ioctl.ReplyProtocol == ReplyProtocol.ArgszGrow && ioctl.ArgumentKind == ArgumentKind.Record)
                {
                    WriteGrowingCall(code, ioctl, request, _model.Records.First(r => r.Name == ioctl.Argument));
                }
                else if (ioctl.ReplyProtocol == ReplyProtocol.Emsgsize && ioctl.ArgumentKind == ArgumentKind.Record)
                {
                    WriteTwoCall(code, ioctl, _model.Records.First(r => r.Name == ioctl.Argument));
                }
            }
        }

        /// <summary>
        /// For VFIO's variable-size replies: calls that grow the buffer until the record and its capability
        /// chain fit (pooled, so no allocation in steady state), and a walker over the chain.
        /// </summary>
        private static void WriteGrowingCall(CodeWriter code, IoctlModel ioctl, string request, RecordModel record)
        {
            const string Reply = "global::VfioSharp.Capabilities.IoctlReply";
            var handle = HandleType(ioctl.FdKind);
            var type = CSharpNames.Identifier(record.Name);
            var reply = Reply + "<" + type + ">";
            DocComment.Write(code, (ioctl.Doc ?? ioctl.Name) + "\n\nThe whole reply, capability chain included: argsz is grown and the call retried until it fits." +
                "\nReturns the kernel's result, or -errno; on success the reply owns a pooled buffer (dispose it).", "#define " + ioctl.Name, ioctl.Location);
            code.Line("public static long Try" + ioctl.Name + "(this " + handle + " fd, " + type + " request, out " + reply + " reply)");
            code.Line("    => global::VfioSharp.Capabilities.GrowingReply.TryInvoke(fd, " + request + ", in request, out reply);");
            code.Line();
            DocComment.Write(code, (ioctl.Doc ?? ioctl.Name) + "\n\nThe whole reply, capability chain included (dispose it); throws IoctlException on failure.", "#define " + ioctl.Name, ioctl.Location);
            // By value, not `in`: an `in` overload could not stand beside the `ref` form of the fixed-size call (CS0663).
            code.Open("public static " + reply + " " + CSharpNames.Identifier(ioctl.Name) + "(this " + handle + " fd, " + type + " request)");
            code.Line("var result = Try" + ioctl.Name + "(fd, request, out var reply);");
            code.Open("if (result < 0)");
            code.Line(Throw + "(\"" + ioctl.Name + "\", fd, result);");
            code.Close();
            code.Line("return reply;");
            code.Close();
            code.Line();
            if (record.Fields.Any(f => f.Name == "cap_offset" && f.AnonymousRecord is null))
            {
                code.Line("/// <summary>The capability chain of a <c>" + record.Name + "</c> reply (from its <c>cap_offset</c>; empty when 0).</summary>");
                code.Line("public static global::VfioSharp.Capabilities.CapabilityChain Capabilities(this in " + reply + " reply) => reply.CapabilitiesAt(reply.Value.cap_offset);");
                code.Line();
            }
        }

        private ArgumentShape? Parameter(IoctlModel ioctl)
        {
            switch (ioctl.ArgumentKind)
            {
                case ArgumentKind.None:
                    return ArgumentShape.None;
                case ArgumentKind.Record when ioctl.Passing == ArgumentPassing.Pointer && _emittedRecords.Contains(ioctl.Argument!):
                    return ArgumentShape.ForRecord(_model.Records.First(r => r.Name == ioctl.Argument));
                case ArgumentKind.Scalar when ScalarType(ioctl.Argument!) is string scalar:
                    return ArgumentShape.ForScalar(ioctl, scalar);
                default:
                    _diagnostics.Add(new EmitDiagnostic(EmitDiagnosticIds.UntypedIoctl, false, ioctl.Location,
                        ioctl.Name + ": no typed call is generated (argument " + (ioctl.Argument ?? "undetermined") + ", " + ioctl.ArgumentKind.ToString().ToLowerInvariant() +
                        "); use the request constant with IoctlCall.Invoke"));
                    return null;
            }
        }

        private static void WriteCall(CodeWriter code, IoctlModel ioctl, string request, ArgumentShape argument)
        {
            var handle = HandleType(ioctl.FdKind);
            var name = CSharpNames.Identifier(ioctl.Name);
            var parameters = "this " + handle + " fd" + argument.Parameters;

            // The non-throwing form, inlined with IoctlCall.Invoke into the caller: no frame of ours stands between
            // the driver's code and libc while the syscall runs (bench/runtime/README.md: each costs a mispredicted
            // return afterwards on kernels that refill the return stack buffer).
            WriteDoc(code, ioctl, tryForm: true);
            code.Line(Inline);
            if (ioctl.Returns == IoctlReturn.Fd)
            {
                var returned = HandleType(ioctl.ReturnedFdKind ?? FdKind.Generic);
                code.Open("public static long Try" + ioctl.Name + "(" + parameters + ", out " + returned + "? opened)");
                code.Line("opened = null;");
                code.Line("long result;");
                argument.WriteInvoke(code, "result = " + Call + "(fd, " + request + ", {0});");
                code.Open("if (result >= 0)");
                code.Line("opened = new " + returned + "(fd.Kernel, checked((int)result));");
                code.Close();
                code.Line("return result;");
                code.Close();
            }
            else
            {
                code.Open("public static long Try" + ioctl.Name + "(" + parameters + ")");
                argument.WriteInvoke(code, "return " + Call + "(fd, " + request + ", {0});");
                code.Close();
            }

            code.Line();
            if (argument.SizeSetting is { } tryShort)
            {
                WriteDoc(code, ioctl, tryForm: true);
                var outParameter = ioctl.Returns == IoctlReturn.Fd ? ", out " + HandleType(ioctl.ReturnedFdKind ?? FdKind.Generic) + "? opened" : string.Empty;
                var outArgument = ioctl.Returns == IoctlReturn.Fd ? ", out opened" : string.Empty;
                code.Line(Inline);
                code.Line("public static long Try" + ioctl.Name + "(this " + handle + " fd" + tryShort.Parameters + outParameter + ") => Try" + ioctl.Name + "(fd" + tryShort.Arguments + outArgument + ");");
                code.Line();
            }

            // The throwing form.
            WriteDoc(code, ioctl, tryForm: false);
            var returnType = ioctl.Returns switch
            {
                IoctlReturn.Value => "long",
                IoctlReturn.Fd => HandleType(ioctl.ReturnedFdKind ?? FdKind.Generic),
                _ => "void",
            };
            code.Open("public static " + returnType + " " + name + "(" + parameters + ")");
            var arguments = "fd" + argument.Arguments;
            if (ioctl.Returns == IoctlReturn.Fd)
            {
                code.Line("var result = Try" + ioctl.Name + "(" + arguments + ", out var opened);");
                code.Open("if (result < 0)");
                code.Line(Throw + "(\"" + ioctl.Name + "\", fd, result);");
                code.Close();
                code.Line("return opened!;");
            }
            else
            {
                code.Line("var result = Try" + ioctl.Name + "(" + arguments + ");");
                code.Open("if (result < 0)");
                code.Line(Throw + "(\"" + ioctl.Name + "\", fd, result);");
                code.Close();
                if (ioctl.Returns == IoctlReturn.Value)
                {
                    code.Line("return result;");
                }
            }

            code.Close();
            code.Line();
            if (argument.SizeSetting is { } throwingShort)
            {
                WriteDoc(code, ioctl, tryForm: false);
                code.Line("public static " + returnType + " " + name + "(this " + handle + " fd" + throwingShort.Parameters + ") => " + name + "(fd" + throwingShort.Arguments + ");");
                code.Line();
            }
        }

        /// <summary>
        /// The EMSGSIZE two-call protocol (<c>IOMMU_IOAS_IOVA_RANGES</c>): the record points at a caller array
        /// (a <c>__u64</c> field documented as a pointer to <c>struct E</c>) and counts it (a <c>num_*</c> field);
        /// when the array is too small the kernel fails with EMSGSIZE and reports the count it needs.
        /// </summary>
        private void WriteTwoCall(CodeWriter code, IoctlModel ioctl, RecordModel record)
        {
            var count = record.Fields.FirstOrDefault(f => f.Name.StartsWith("num_", System.StringComparison.Ordinal) && f.ElementCategory == TypeCategory.Integer && f.ArrayDimensions.Count == 0);
            var pointer = record.Fields.FirstOrDefault(f => f.ElementSize == 8 && f.ElementCategory == TypeCategory.Integer && f.Doc != null && f.Doc.IndexOf("ointer", System.StringComparison.Ordinal) >= 0 && ElementRecord(f.Doc) != null);
            var element = pointer is null ? null : ElementRecord(pointer.Doc!);
            if (count is null || pointer is null || element is null || !_emittedRecords.Contains(element))
            {
                _diagnostics.Add(new EmitDiagnostic(EmitDiagnosticIds.UntypedIoctl, false, ioctl.Location,
                    ioctl.Name + ": the EMSGSIZE two-call form is not generated: its record has no num_* count and documented array pointer"));
                return;
            }

            var handle = HandleType(ioctl.FdKind);
            var type = CSharpNames.Identifier(record.Name);
            var elementType = CSharpNames.Identifier(element);
            var countType = CSharpNames.Integer(count.ElementSize, count.Signed) ?? "uint";
            var pointerType = CSharpNames.Integer(pointer.ElementSize, pointer.Signed) ?? "ulong";
            DocComment.Write(code, (ioctl.Doc ?? ioctl.Name) + "\n\nWith the output array: sets " + pointer.Name + " and " + count.Name + " from <paramref name=\"elements\"/>." +
                "\nReturns the kernel's result, or -errno; on -EMSGSIZE, " + count.Name + " holds how many elements the kernel has.", "#define " + ioctl.Name, ioctl.Location);
            code.Open("public static long Try" + ioctl.Name + "(this " + handle + " fd, ref " + type + " argument, global::System.Span<" + elementType + "> elements)");
            code.Line("argument." + CSharpNames.Identifier(count.Name) + " = (" + countType + ")elements.Length;");
            code.Line("// SAFETY: the elements are pinned for the call, and the count says how many there are.");
            code.Open("fixed (" + elementType + "* items = elements)");
            code.Line("argument." + CSharpNames.Identifier(pointer.Name) + " = (" + pointerType + ")(nint)items;");
            code.Line("return Try" + ioctl.Name + "(fd, ref argument);");
            code.Close();
            code.Close();
            code.Line();
            DocComment.Write(code, (ioctl.Doc ?? ioctl.Name) + "\n\nAll elements, in a pooled buffer (dispose it): called again with room for as many as the kernel reports (EMSGSIZE)." +
                "\nThrows IoctlException on any other failure.", "#define " + ioctl.Name, ioctl.Location);
            code.Open("public static void " + CSharpNames.Identifier(ioctl.Name) + "(this " + handle + " fd, ref " + type + " argument, out global::VfioSharp.Capabilities.PooledElements<" + elementType + "> elements)");
            code.Line("var capacity = 8;");
            code.Open("while (true)");
            code.Line("var pooled = global::VfioSharp.Capabilities.PooledElements.Rent<" + elementType + ">(capacity);");
            code.Line("var result = Try" + ioctl.Name + "(fd, ref argument, pooled.Buffer);");
            code.Open("if (result >= 0)");
            code.Line("elements = pooled.Take(checked((int)argument." + CSharpNames.Identifier(count.Name) + "));");
            code.Line("return;");
            code.Close();
            code.Line("pooled.Dispose();");
            code.Open("if (result != -global::VfioSharp.Kernel.Errno.EMSGSIZE.Value || argument." + CSharpNames.Identifier(count.Name) + " <= (" + countType + ")capacity)");
            code.Line(Throw + "(\"" + ioctl.Name + "\", fd, result);");
            code.Close();
            code.Line("capacity = checked((int)argument." + CSharpNames.Identifier(count.Name) + ");");
            code.Close();
            code.Close();
            code.Line();
        }

        /// <summary>The record a pointer field's kerneldoc names (<c>Pointer to the output array of struct iommu_iova_range</c>).</summary>
        private static string? ElementRecord(string doc)
        {
            var match = System.Text.RegularExpressions.Regex.Match(doc, @"struct\s+([A-Za-z_][A-Za-z0-9_]*)");
            return match.Success ? match.Groups[1].Value : null;
        }

        private static void WriteDoc(CodeWriter code, IoctlModel ioctl, bool tryForm)
        {
            var direction = ioctl.ArgumentDirection switch
            {
                ArgumentDirection.In => "the kernel reads the argument",
                ArgumentDirection.Out => "the kernel writes the argument",
                ArgumentDirection.InOut => "the kernel reads the argument and writes it back",
                _ => "no argument",
            };
            var summary = (ioctl.Doc ?? ioctl.Name) + "\n\n" + ioctl.Name + " on a " + ioctl.FdKind.ToString().ToLowerInvariant() + " fd; " + direction + "." +
                (tryForm
                    ? "\nReturns the kernel's result (0 or more), or -errno; never throws for a kernel error."
                    : "\nThrows IoctlException (naming the ioctl, fd kind, fd and errno) when the kernel fails the call.");
            DocComment.Write(code, summary, "#define " + ioctl.Name, ioctl.Location);
        }

        private static string HandleType(FdKind kind) => "global::VfioSharp.Handles." + kind switch
        {
            FdKind.Container => "ContainerHandle",
            FdKind.Group => "GroupHandle",
            FdKind.Device => "DeviceHandle",
            FdKind.Iommufd => "IommufdHandle",
            FdKind.Migration => "MigrationHandle",
            FdKind.DmaBuf => "DmaBufHandle",
            _ => "GenericFileHandle",
        };

        /// <summary>The C# type of a scalar argument as the header spells it, or null.</summary>
        private static string? ScalarType(string spelled) => spelled switch
        {
            "__u8" => "byte",
            "__s8" => "sbyte",
            "__u16" => "ushort",
            "__s16" => "short",
            "__u32" => "uint",
            "__s32" => "int",
            "__u64" => "ulong",
            "__s64" => "long",
            "char" => "char",
            _ => CSharpNames.MacroType(spelled),
        };

        /// <summary>How the argument appears in a typed call's parameters and reaches <c>IoctlCall.Invoke</c>.</summary>
        private sealed class ArgumentShape
        {
            private ArgumentShape(string parameters, string arguments, System.Action<CodeWriter, string> writeInvoke)
            {
                Parameters = parameters;
                Arguments = arguments;
                WriteInvoke = writeInvoke;
            }

            public static ArgumentShape None { get; } = new ArgumentShape(string.Empty, string.Empty,
                (code, invoke) => code.Line(string.Format(CultureInfo.InvariantCulture, invoke, "0")));

            public string Parameters { get; }

            public string Arguments { get; }

            /// <summary>For records with argsz/size: the overload without <c>setSize</c>, which sets it (no optional parameters: RS0027).</summary>
            public (string Parameters, string Arguments)? SizeSetting { get; private set; }

            /// <summary>Writes the call; the format item {0} of the template is the argument expression.</summary>
            public System.Action<CodeWriter, string> WriteInvoke { get; }

            public static ArgumentShape ForRecord(RecordModel record)
            {
                var type = CSharpNames.Identifier(record.Name);
                var sizeField = record.SizeField is null ? null : record.Fields[0];
                var parameters = ", ref " + type + " argument" + (sizeField is null ? string.Empty : ", bool setSize");
                var arguments = ", ref argument" + (sizeField is null ? string.Empty : ", setSize");
                return new ArgumentShape(parameters, arguments, (code, invoke) =>
                {
                    if (sizeField is not null)
                    {
                        // Filled in unless the caller sizes the argument itself (a larger reply buffer).
                        var fieldType = CSharpNames.Integer(sizeField.ElementSize, sizeField.Signed) ?? "uint";
                        code.Open("if (setSize)");
                        code.Line("argument." + CSharpNames.Identifier(sizeField.Name) + " = (" + fieldType + ")sizeof(" + type + ");");
                        code.Close();
                    }

                    code.Line("// SAFETY: the argument is pinned for the call and is the record this request takes.");
                    code.Open("fixed (" + type + "* pointer = &argument)");
                    code.Line(string.Format(CultureInfo.InvariantCulture, invoke, "(nint)pointer"));
                    code.Close();
                })
                {
                    SizeSetting = sizeField is null ? null : (", ref " + type + " argument", ", ref argument, true"),
                };
            }

            public static ArgumentShape ForScalar(IoctlModel ioctl, string type)
            {
                if (ioctl.Passing == ArgumentPassing.Value)
                {
                    var valueType = type == "char" ? "byte" : type;
                    return new ArgumentShape(", " + valueType + " value", ", value",
                        (code, invoke) => code.Line(string.Format(CultureInfo.InvariantCulture, invoke, "unchecked((nint)value)")));
                }

                if (type == "char")
                {
                    // A NUL-terminated string (VFIO_GROUP_GET_DEVICE_FD's device name), encoded on the stack.
                    return new ArgumentShape(", string value", ", value", (code, invoke) =>
                    {
                        code.Line("var length = global::System.Text.Encoding.UTF8.GetByteCount(value);");
                        code.Line("global::System.Span<byte> text = length < 256 ? stackalloc byte[length + 1] : new byte[length + 1];");
                        code.Line("global::System.Text.Encoding.UTF8.GetBytes(value, text);");
                        code.Line("text[length] = 0;");
                        code.Line("// SAFETY: the bytes are pinned for the call and end with NUL.");
                        code.Open("fixed (byte* pointer = text)");
                        code.Line(string.Format(CultureInfo.InvariantCulture, invoke, "(nint)pointer"));
                        code.Close();
                    });
                }

                var modifier = ioctl.ArgumentDirection switch
                {
                    ArgumentDirection.Out => "out ",
                    ArgumentDirection.InOut => "ref ",
                    _ => string.Empty,
                };
                return new ArgumentShape(", " + modifier + type + " value", ", " + modifier + "value", (code, invoke) =>
                {
                    if (modifier.Length == 0)
                    {
                        // SAFETY: a by-value parameter lives on the stack, which the GC does not move.
                        code.Line(string.Format(CultureInfo.InvariantCulture, invoke, "(nint)(&value)"));
                        return;
                    }

                    if (modifier == "out ")
                    {
                        code.Line("value = default;");
                    }

                    code.Line("// SAFETY: the caller's variable is pinned for the call.");
                    code.Open("fixed (" + type + "* pointer = &value)");
                    code.Line(string.Format(CultureInfo.InvariantCulture, invoke, "(nint)pointer"));
                    code.Close();
                });
            }
        }
    }
}
