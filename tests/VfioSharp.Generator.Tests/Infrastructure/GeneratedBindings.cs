using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using VfioSharp.Emitter;
using VfioSharp.Model;
using VfioSharp.Model.Json;
using VfioSharp.Scanner.Tests.Infrastructure;

namespace VfioSharp.Generator.Tests.Infrastructure;

/// <summary>The bindings of a header set: scanned, emitted, compiled with Roslyn and loaded.</summary>
internal static class GeneratedBindings
{
    public const string Namespace = "Test.Uapi";

    private static readonly ConcurrentDictionary<string, Lazy<Compiled>> Cache = new();

    public sealed record Compiled(string Root, string[] Headers, string ModelText, UapiModel Model, Assembly Assembly, IReadOnlyList<string> Sources);

    public static Compiled Get(string set) => Cache.GetOrAdd(set, key => new Lazy<Compiled>(() => Build(key))).Value;

    /// <summary>Every assembly of the running framework plus the runtime: what the generated code compiles against.</summary>
    public static IReadOnlyList<MetadataReference> References { get; } = LoadReferences();

    public static CSharpCompilation Compile(string assemblyName, IEnumerable<string> sources) =>
        CSharpCompilation.Create(
            assemblyName,
            sources.Select(source => CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest))),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));

    private static Compiled Build(string set)
    {
        var (root, headers, run) = ScannedModels.Get(set);
        var text = run.ModelText;
        var model = ModelJsonReader.Read(text);
        var result = BindingsEmitter.Emit(model, new EmitOptions(Namespace, isPublic: true));
        var sources = result.Files.Select(f => f.Text).ToList();
        var compilation = Compile("Bindings_" + set.Replace('-', '_').Replace('.', '_'), sources.Append(FlexibleProbes(model)));
        using var stream = new MemoryStream();
        var emitted = compilation.Emit(stream);
        var errors = emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"the bindings of {set} do not compile:\n" + string.Join("\n", errors.Take(20)));
        }

        stream.Position = 0;
        var assembly = new AssemblyLoadContext("bindings-" + set).LoadFromStream(stream);
        return new Compiled(root, headers, text, model, assembly, sources);
    }

    /// <summary>
    /// A method per flexible array member that returns where its accessor's span starts, in bytes from
    /// the struct (a span can't cross reflection, so the probe is compiled with the bindings).
    /// </summary>
    private static string FlexibleProbes(UapiModel model)
    {
        var code = new System.Text.StringBuilder();
        code.Append("namespace " + Namespace + ".Probes;\n");
        code.Append("using System.Runtime.CompilerServices;\nusing System.Runtime.InteropServices;\n");
        code.Append("public static class FlexibleOffsets\n{\n");
        code.Append("    private static long Distance<TElement>(ref byte start, System.Span<TElement> span) => (long)Unsafe.ByteOffset(ref start, ref Unsafe.As<TElement, byte>(ref MemoryMarshal.GetReference(span)));\n");
        foreach (var record in model.Records.Where(r => !r.Anonymous))
        {
            foreach (var field in record.Fields.Where(f => f.Flexible && f.BitWidth is null))
            {
                var type = Namespace + "." + record.Name;
                code.Append("    public static long " + record.Name + "__" + field.Name + "()\n    {\n");
                code.Append("        var buffer = new byte[Unsafe.SizeOf<" + type + ">() + 256];\n");
                code.Append("        ref var value = ref Unsafe.As<byte, " + type + ">(ref buffer[0]);\n");
                code.Append("        return Distance(ref buffer[0], value.@" + field.Name + "(1));\n    }\n");
            }
        }

        return code.Append("}\n").ToString();
    }

    private static IReadOnlyList<MetadataReference> LoadReferences()
    {
        var framework = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return framework
            .Where(path => Path.GetFileName(path).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(path) is "mscorlib.dll" or "netstandard.dll")
            .Append(typeof(VfioSharp.Handles.DeviceHandle).Assembly.Location)
            .Distinct()
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToList();
    }
}
