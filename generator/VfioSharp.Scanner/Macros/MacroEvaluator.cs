using System.Runtime.InteropServices;
using System.Text;
using VfioSharp.Model;
using VfioSharp.Model.Macros;
using VfioSharp.Scanner.Clang;
using VfioSharp.Scanner.Scanning;

namespace VfioSharp.Scanner.Macros;

/// <summary>
/// Evaluates object-like macros as C does. clang_Cursor_Evaluate returns nothing for macro definitions,
/// so a synthetic translation unit includes the headers and declares, per macro,
/// <c>static const __typeof__(M) v = M;</c>: the variable keeps C's type and signedness
/// (<c>(1 &lt;&lt; 31)</c> is the int -2147483648, as gcc says). The same unit re-expands every macro
/// with stand-ins for the ioctl encoders to tell requests apart and find the argument they name.
/// </summary>
internal static class MacroEvaluator
{
    private const string ValuePrefix = "__vfiosharp_value_";
    private const string ProbePrefix = "__vfiosharp_probe_";
    private const string ArgumentPrefix = "__vfiosharp_argument_";
    private const string NoArgumentTag = "__vfiosharp_no_argument";
    private const string RawRequestTag = "__vfiosharp_raw_request";

    /// <summary>Object-like, non-empty macros defined in the scanned headers, in header order.</summary>
    public static IReadOnlyList<MacroCandidate> FindCandidates(CXCursor root, HeaderTree tree)
    {
        var candidates = new List<MacroCandidate>();
        foreach (var cursor in ClangTranslationUnit.Children(root))
        {
            if (cursor.Kind != CXCursorKind.MacroDefinition
                || LibClang.clang_Cursor_isMacroBuiltin(cursor) != 0
                || LibClang.clang_Cursor_isMacroFunctionLike(cursor) != 0)
            {
                continue;
            }

            var (file, line, _) = ClangTranslationUnit.Locate(cursor);
            var relative = tree.Relative(file);
            if (relative is null || !tree.IsScanned(relative))
            {
                continue;
            }

            var name = ClangTranslationUnit.Spelling(cursor);
            if (MacroBody.IsEmpty(tree.Lines(relative), line, name))
            {
                // Include guards and feature markers: nothing to evaluate.
                continue;
            }

            candidates.Add(new MacroCandidate(name, new SourceLocation(relative, line)));
        }

        var headerOrder = tree.Headers.ToList();
        return candidates
            .OrderBy(candidate => headerOrder.IndexOf(candidate.Location.File))
            .ThenBy(candidate => candidate.Location.Line)
            .ToList();
    }

    public static EvaluatedMacros Evaluate(HeaderTree tree, IReadOnlyList<MacroCandidate> candidates)
    {
        var failedValues = new Dictionary<string, string>(StringComparer.Ordinal);
        var failedProbes = new HashSet<string>(StringComparer.Ordinal);
        var arguments = CompilerArguments.For(tree);
        var path = Path.Combine(tree.Root, ".vfiosharp-macros.c");

        // Each round drops the macros whose lines clang rejected; an error that can't be tied to a
        // line (reported inside a header) sends every remaining macro through a parse of its own.
        for (var round = 0; ; round++)
        {
            var active = candidates.Where(c => !failedValues.ContainsKey(c.Name)).ToList();
            var (source, lines) = ValueSource(tree, active, failedProbes);
            using var unit = ClangTranslationUnit.Parse(path, source, arguments);
            var errors = unit.Diagnostics().Where(d => d.IsError).ToList();
            if (errors.Count == 0)
            {
                var values = ReadValues(unit, active, failedValues);
                var probes = ReadProbes(unit, failedProbes);
                ResolveArgumentSpellings(tree, path, arguments, probes);
                var unevaluated = candidates
                    .Where(c => failedValues.ContainsKey(c.Name))
                    .Select(c => new UnevaluatedMacro(c.Name, c.Location, failedValues[c.Name]))
                    .ToList();
                return new EvaluatedMacros(values, unevaluated, probes);
            }

            var unmapped = false;
            foreach (var error in errors)
            {
                if (error.File == path && lines.TryGetValue(error.Line, out var entry))
                {
                    if (entry.IsProbe)
                    {
                        failedProbes.Add(entry.Name);
                    }
                    else
                    {
                        failedValues.TryAdd(entry.Name, error.Message);
                    }
                }
                else
                {
                    unmapped = true;
                }
            }

            if (unmapped || round > 8)
            {
                IsolateFailures(tree, path, arguments, active, failedValues, failedProbes);
            }
        }
    }

    private static (string Source, Dictionary<int, (string Name, bool IsProbe)> Lines) ValueSource(
        HeaderTree tree, IReadOnlyList<MacroCandidate> active, HashSet<string> failedProbes)
    {
        var text = new StringBuilder(CompilerArguments.Includes(tree));
        var lines = new Dictionary<int, (string, bool)>();
        var line = tree.Headers.Count;
        void Add(string code, string? name = null, bool isProbe = false)
        {
            text.Append(code).Append('\n');
            line++;
            if (name is not null)
            {
                lines[line] = (name, isProbe);
            }
        }

        foreach (var macro in active)
        {
            Add($"static const __typeof__({macro.Name}) {ValuePrefix}{macro.Name} = {macro.Name};", macro.Name);
        }

        foreach (var encoder in new[] { "_IO", "_IOR", "_IOW", "_IOWR", "_IOC" })
        {
            Add("#undef " + encoder);
        }

        Add($"struct {NoArgumentTag};");
        Add($"struct {RawRequestTag};");
        Add($"#define _IO(t, n) ((struct {NoArgumentTag} *)0)");
        Add("#define _IOR(t, n, s) ((s *)0)");
        Add("#define _IOW(t, n, s) ((s *)0)");
        Add("#define _IOWR(t, n, s) ((s *)0)");
        Add($"#define _IOC(d, t, n, s) ((struct {RawRequestTag} *)0)");
        foreach (var macro in active.Where(m => !failedProbes.Contains(m.Name)))
        {
            Add($"static __typeof__({macro.Name}) {ProbePrefix}{macro.Name};", macro.Name, isProbe: true);
        }

        return (text.ToString(), lines);
    }

    private static void IsolateFailures(
        HeaderTree tree, string path, IReadOnlyList<string> arguments, IReadOnlyList<MacroCandidate> active,
        Dictionary<string, string> failedValues, HashSet<string> failedProbes)
    {
        foreach (var macro in active)
        {
            var (source, lines) = ValueSource(tree, [macro], failedProbes);
            using var unit = ClangTranslationUnit.Parse(path, source, arguments);
            var error = unit.Diagnostics().FirstOrDefault(d => d.IsError);
            if (error is null)
            {
                continue;
            }

            var probeLine = lines.First(pair => pair.Value.IsProbe).Key;
            var onProbe = error.File == path && error.Line == probeLine;
            if (onProbe)
            {
                failedProbes.Add(macro.Name);
            }
            else
            {
                failedValues.TryAdd(macro.Name, error.Message);
            }
        }
    }

    private static List<(MacroCandidate, MacroModel)> ReadValues(
        ClangTranslationUnit unit, IReadOnlyList<MacroCandidate> active, Dictionary<string, string> failedValues)
    {
        var byName = active.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var values = new List<(MacroCandidate, MacroModel)>();
        foreach (var cursor in ClangTranslationUnit.Children(unit.Root))
        {
            if (cursor.Kind != CXCursorKind.VarDecl)
            {
                continue;
            }

            var variable = ClangTranslationUnit.Spelling(cursor);
            if (!variable.StartsWith(ValuePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var candidate = byName[variable[ValuePrefix.Length..]];
            var type = LibClang.clang_getCanonicalType(LibClang.clang_getCursorType(cursor));
            var result = LibClang.clang_Cursor_Evaluate(cursor);
            try
            {
                var kind = result == 0 ? CXEvalResultKind.UnExposed : LibClang.clang_EvalResult_getKind(result);
                if (kind == CXEvalResultKind.StrLiteral && type.Kind == CXTypeKind.ConstantArray)
                {
                    values.Add((candidate, new MacroModel
                    {
                        Name = candidate.Name,
                        Kind = MacroKind.String,
                        Type = "char[" + LibClang.clang_getArraySize(type) + "]",
                        StringValue = ReadString(result),
                        Location = candidate.Location,
                    }));
                }
                else if (kind == CXEvalResultKind.Int && IntegerTypeName(type.Kind) is { } typeName)
                {
                    var signed = Records.TypeDescriber.IsSigned(type.Kind);
                    values.Add((candidate, new MacroModel
                    {
                        Name = candidate.Name,
                        Kind = MacroKind.Integer,
                        Type = typeName,
                        Signed = signed,
                        IntegerValue = signed
                            ? LibClang.clang_EvalResult_getAsLongLong(result)
                            : unchecked((long)LibClang.clang_EvalResult_getAsUnsigned(result)),
                        Location = candidate.Location,
                    }));
                }
                else
                {
                    failedValues.TryAdd(candidate.Name, $"not an integer or string constant (type '{ClangTranslationUnit.Spelling(type)}')");
                }
            }
            finally
            {
                if (result != 0)
                {
                    LibClang.clang_EvalResult_dispose(result);
                }
            }
        }

        return values;
    }

    private static Dictionary<string, IoctlProbe> ReadProbes(ClangTranslationUnit unit, HashSet<string> failedProbes)
    {
        var probes = new Dictionary<string, IoctlProbe>(StringComparer.Ordinal);
        foreach (var cursor in ClangTranslationUnit.Children(unit.Root))
        {
            var variable = ClangTranslationUnit.Spelling(cursor);
            if (cursor.Kind != CXCursorKind.VarDecl || !variable.StartsWith(ProbePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var name = variable[ProbePrefix.Length..];
            var type = LibClang.clang_getCanonicalType(LibClang.clang_getCursorType(cursor));
            if (type.Kind != CXTypeKind.Pointer)
            {
                probes[name] = new IoctlProbe(IoctlProbeKind.NotIoctl, null, false);
                continue;
            }

            var pointee = LibClang.clang_getCanonicalType(LibClang.clang_getPointeeType(type));
            var spelling = ClangTranslationUnit.Spelling(pointee);
            probes[name] = spelling switch
            {
                "struct " + NoArgumentTag => new IoctlProbe(IoctlProbeKind.NoArgument, null, false),
                "struct " + RawRequestTag => new IoctlProbe(IoctlProbeKind.RawSize, null, false),
                _ => new IoctlProbe(IoctlProbeKind.Argument, spelling, pointee.Kind == CXTypeKind.Record),
            };
        }

        // A request whose re-expansion failed still has its number: it is an ioctl of unknown argument.
        foreach (var name in failedProbes)
        {
            probes.TryAdd(name, new IoctlProbe(IoctlProbeKind.RawSize, null, false));
        }

        return probes;
    }

    /// <summary>
    /// Replaces the canonical spelling of scalar arguments by the header's own (<c>__u32</c>, not
    /// <c>unsigned int</c>): a second unit expands each request to its bare type argument in a typedef.
    /// </summary>
    private static void ResolveArgumentSpellings(HeaderTree tree, string path, IReadOnlyList<string> arguments, Dictionary<string, IoctlProbe> probes)
    {
        var requests = probes.Where(pair => pair.Value.Kind == IoctlProbeKind.Argument).Select(pair => pair.Key).OrderBy(n => n, StringComparer.Ordinal).ToList();
        if (requests.Count == 0)
        {
            return;
        }

        var text = new StringBuilder(CompilerArguments.Includes(tree));
        foreach (var encoder in new[] { "_IOR", "_IOW", "_IOWR" })
        {
            text.Append("#undef ").Append(encoder).Append('\n');
            text.Append("#define ").Append(encoder).Append("(t, n, s) s\n");
        }

        foreach (var request in requests)
        {
            text.Append("typedef ").Append(request).Append(' ').Append(ArgumentPrefix).Append(request).Append(";\n");
        }

        using var unit = ClangTranslationUnit.Parse(path, text.ToString(), arguments);
        foreach (var cursor in ClangTranslationUnit.Children(unit.Root))
        {
            var name = ClangTranslationUnit.Spelling(cursor);
            if (cursor.Kind != CXCursorKind.TypedefDecl || !name.StartsWith(ArgumentPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var request = name[ArgumentPrefix.Length..];
            var underlying = LibClang.clang_getTypedefDeclUnderlyingType(cursor);
            var spelling = ClangTranslationUnit.Spelling(underlying);
            if (probes.TryGetValue(request, out var probe) && !spelling.Contains('(', StringComparison.Ordinal))
            {
                probes[request] = probe with { Argument = spelling };
            }
        }
    }

    private static unsafe string ReadString(nint result)
    {
        // SAFETY: libclang returns a NUL-terminated string owned by the result, which is still alive.
        var pointer = LibClang.clang_EvalResult_getAsStr(result);
        return pointer == null ? string.Empty : Marshal.PtrToStringUTF8((nint)pointer) ?? string.Empty;
    }

    private static string? IntegerTypeName(CXTypeKind kind) => kind switch
    {
        CXTypeKind.Int => "int",
        CXTypeKind.UInt => "unsigned int",
        CXTypeKind.Long => "long",
        CXTypeKind.ULong => "unsigned long",
        CXTypeKind.LongLong => "long long",
        CXTypeKind.ULongLong => "unsigned long long",
        CXTypeKind.Short => "short",
        CXTypeKind.UShort => "unsigned short",
        CXTypeKind.Char_S or CXTypeKind.Char_U => "char",
        CXTypeKind.SChar => "signed char",
        CXTypeKind.UChar => "unsigned char",
        CXTypeKind.Bool => "_Bool",
        _ => null,
    };
}
