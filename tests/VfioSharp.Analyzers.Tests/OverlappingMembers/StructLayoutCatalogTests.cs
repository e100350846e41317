using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using VfioSharp.Analyzers.OverlappingMembers;

namespace VfioSharp.Analyzers.Tests.OverlappingMembers;

/// <summary>
/// The layout model is checked against the CLR itself: the same structs are compiled, loaded and
/// measured with pointers, and every size and field offset must match what the catalog computed.
/// </summary>
public sealed class StructLayoutCatalogTests
{
    private const string Structs = """
        using System;
        using System.Runtime.CompilerServices;
        using System.Runtime.InteropServices;

        enum Small : byte { A, B }
        enum Big : long { A }
        struct Empty { }
        struct Mixed { public bool flag; public char letter; public long wide; public Small small; public short s; public Big big; }
        [StructLayout(LayoutKind.Explicit)] struct Odd { [FieldOffset(0)] public int a; [FieldOffset(5)] public byte b; }
        [StructLayout(LayoutKind.Explicit, Size = 3)] struct SizeBelowExtent { [FieldOffset(0)] public int a; }
        [StructLayout(LayoutKind.Explicit, Size = 40)] struct SizeAboveExtent { [FieldOffset(0)] public long a; [FieldOffset(0)] public int b; }
        struct HoldsOdd { public byte before; public Odd odd; public byte after; }
        struct HoldsEmpty { public byte a; public Empty e; public byte b; }
        [StructLayout(LayoutKind.Sequential, Pack = 1)] struct Packed { public byte a; public long b; public short c; }
        [StructLayout(LayoutKind.Sequential, Pack = 2)] struct PackedTwo { public byte a; public long b; }
        [StructLayout(LayoutKind.Sequential, Size = 32)] struct Padded { public int a; }
        unsafe struct Buffers { public byte a; public fixed long words[3]; public fixed char text[5]; }
        [InlineArray(3)] struct ThreeShorts { public short element; }
        struct HoldsInline { public byte a; public ThreeShorts shorts; public decimal money; }
        unsafe struct Pointers { public byte a; public nint n; public void* p; public delegate*<int, void> f; public nuint u; }
        struct Generic<T> where T : unmanaged { public byte a; public T value; }
        struct HoldsGeneric { public Generic<long> g; public Generic<byte> h; }
        [StructLayout(LayoutKind.Explicit)] struct Union { [FieldOffset(0)] public HoldsOdd odd; [FieldOffset(2)] public Mixed mixed; [FieldOffset(1)] public Buffers buffers; }
        record struct Record(int A, byte B) { public long C; }
        struct AutoProperties { public byte A { get; set; } public long B { get; set; } }
        """;

    private static readonly string[] MeasuredTypes =
    [
        "Empty", "Mixed", "Odd", "SizeBelowExtent", "SizeAboveExtent", "HoldsOdd", "HoldsEmpty", "Packed", "PackedTwo",
        "Padded", "Buffers", "ThreeShorts", "HoldsInline", "Pointers", "Generic<long>", "Generic<byte>", "HoldsGeneric",
        "Union", "Record", "AutoProperties",
    ];

    [Fact]
    public void Sizes_and_offsets_match_the_runtime()
    {
        var probes = new StringBuilder("static class Probes {\n");
        for (var i = 0; i < MeasuredTypes.Length; i++)
        {
            probes.Append("    public static ").Append(MeasuredTypes[i]).Append(" probe").Append(i).Append(";\n");
        }

        probes.Append("}\n");
        var compilation = Compile(Structs, probes.ToString());
        var catalog = new StructLayoutCatalog(compilation);
        var probeType = compilation.GetTypeByMetadataName("Probes")!;

        var measure = new StringBuilder("public static unsafe class Measure {\n");
        var expected = new List<(string Type, int[] Layout)>();
        for (var i = 0; i < MeasuredTypes.Length; i++)
        {
            var type = probeType.GetMembers("probe" + i).OfType<IFieldSymbol>().Single().Type;
            var layout = catalog.GetLayout(type);
            Assert.True(layout is not null, MeasuredTypes[i] + " has no layout");
            // Backing fields of auto-properties cannot be named in C#: they count in the size only.
            var fields = StructLayoutCatalog.InstanceFields(type).Where(f => f.AssociatedSymbol is null).ToList();
            expected.Add((MeasuredTypes[i], [layout!.Size, .. fields.Select(f => layout.FieldOffsets[f])]));

            measure.Append("    public static int[] M").Append(i).Append("() { ").Append(MeasuredTypes[i]).Append(" s = default; byte* b = (byte*)&s; return new int[] { sizeof(")
                .Append(MeasuredTypes[i]).Append(')');
            foreach (var field in fields)
            {
                measure.Append(field.IsFixedSizeBuffer ? $", (int)((byte*)s.{field.Name} - b)" : $", (int)((byte*)&s.{field.Name} - b)");
            }

            measure.Append(" }; }\n");
        }

        measure.Append('}');
        var runtime = LoadAndMeasure(Compile(Structs, probes.ToString(), measure.ToString()), MeasuredTypes.Length);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].Layout.SequenceEqual(runtime[i]),
                $"{expected[i].Type}: catalog [{string.Join(", ", expected[i].Layout)}], runtime [{string.Join(", ", runtime[i])}]");
        }
    }

    [Fact]
    public void Overlap_is_found_at_any_depth_and_only_where_bytes_are_shared()
    {
        var compilation = Compile(Structs, """
            using System.Runtime.InteropServices;
            [StructLayout(LayoutKind.Explicit)] struct Disjoint { [FieldOffset(0)] public int a; [FieldOffset(4)] public int b; }
            struct Wrapper { public int x; public Union u; }
            struct Deeper { public Wrapper w; }
            """);
        var catalog = new StructLayoutCatalog(compilation);
        INamedTypeSymbol Type(string name) => compilation.GetTypeByMetadataName(name)!;

        Assert.True(catalog.HasOverlap(Type("Union")));
        Assert.True(catalog.HasOverlap(Type("Deeper")));
        Assert.False(catalog.HasOverlap(Type("Disjoint")));
        Assert.False(catalog.HasOverlap(Type("Odd")));
        Assert.False(catalog.HasOverlap(Type("Mixed")));
        var path = Assert.Single(catalog.GetUnionPaths(Type("Deeper")));
        Assert.Empty(path);
    }

    [Fact]
    public void Layouts_that_cannot_be_known_are_not_guessed()
    {
        var compilation = Compile("""
            using System;
            using System.Runtime.InteropServices;
            struct WithReference { public int a; public string s; }
            [StructLayout(LayoutKind.Auto)] struct Auto { public int a; public byte b; }
            struct WithGuid { public Guid g; }
            struct Open<T> { public T value; }
            """);
        var catalog = new StructLayoutCatalog(compilation);
        foreach (var name in new[] { "WithReference", "Auto", "WithGuid", "Open`1" })
        {
            Assert.Null(catalog.GetLayout(compilation.GetTypeByMetadataName(name)!));
        }
    }

    private static CSharpCompilation Compile(params string[] sources)
        => CSharpCompilation.Create(
            "Layouts" + Guid.NewGuid().ToString("N"),
            sources.Select(s => CSharpSyntaxTree.ParseText(s, new CSharpParseOptions(LanguageVersion.Latest))),
            Basic.Reference.Assemblies.Net80.References.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));

    private static List<int[]> LoadAndMeasure(CSharpCompilation compilation, int count)
    {
        using var stream = new MemoryStream();
        var emitted = compilation.Emit(stream);
        Assert.True(emitted.Success, string.Join(Environment.NewLine, emitted.Diagnostics));
        stream.Position = 0;
        var context = new AssemblyLoadContext("layouts", isCollectible: true);
        try
        {
            var measure = context.LoadFromStream(stream).GetType("Measure")!;
            return Enumerable.Range(0, count)
                .Select(i => (int[])measure.GetMethod("M" + i, BindingFlags.Public | BindingFlags.Static)!.Invoke(null, null)!)
                .ToList();
        }
        finally
        {
            context.Unload();
        }
    }
}
