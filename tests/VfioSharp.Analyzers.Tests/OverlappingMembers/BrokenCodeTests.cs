using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using VfioSharp.Analyzers.OverlappingMembers;

namespace VfioSharp.Analyzers.Tests.OverlappingMembers;

/// <summary>
/// Code as it is while being typed: the analyzers run on it in the IDE and must not throw, whatever
/// the layout attributes or the statements say.
/// </summary>
public sealed class BrokenCodeTests
{
    public static TheoryData<string> Snippets => new()
    {
        // A union whose fields lack offsets, or have nonsense ones.
        """
        using System.Runtime.InteropServices;
        [StructLayout(LayoutKind.Explicit)] struct U { public int a; [FieldOffset(-4)] public long b; [FieldOffset(0)] public byte c; }
        class C { U u; void M() { u.a = 1; u.c = 2; return u.a; } }
        """,
        // A struct that contains itself, and a union around it.
        """
        using System.Runtime.InteropServices;
        struct Loop { public Loop inner; public int x; }
        [StructLayout(LayoutKind.Explicit)] struct U { [FieldOffset(0)] public Loop l; [FieldOffset(0)] public int i; }
        class C { U u; void M() { u.l.x = 1; u.i = 2; } }
        """,
        // Half-typed statements touching a valid union.
        """
        using System.Runtime.InteropServices;
        [StructLayout(LayoutKind.Explicit)] struct U { [FieldOffset(0)] public int a; [FieldOffset(0)] public byte b; }
        class C { U u; int M(int mode) { u.a = ; if (mode == ) u.b = 1; u.; return u.a + ; } }
        """,
        // Unknown types and members, StructLayout with bad arguments.
        """
        using System.Runtime.InteropServices;
        [StructLayout((LayoutKind)99, Pack = -1, Size = "x")] struct U { [FieldOffset(0)] public Missing a; [FieldOffset(0)] public byte b; }
        class C { U u; void M() { u.a.x = 1; u.b = 2; u.nothing = 3; Missing.Call(ref u.b); } }
        """,
        // Pointers to nothing, stray ref locals, and a switch on an undefined mode.
        """
        using System.Runtime.InteropServices;
        [StructLayout(LayoutKind.Explicit)] struct U { [FieldOffset(0)] public int a; [FieldOffset(0)] public byte b; }
        unsafe class C { void M(U* p, Mode m) { ref U r = ref *p; p->a = 1; switch (m) { case Mode.X: r.b = 2; break; } (*q).a = 3; r = ref; } }
        """,
        // A huge explicit offset and a fixed buffer of an unknown type.
        """
        using System.Runtime.InteropServices;
        [StructLayout(LayoutKind.Explicit)] unsafe struct U { [FieldOffset(2147483647)] public long a; [FieldOffset(0)] public byte b; }
        unsafe struct B { public fixed Unknown data[4]; }
        class C { U u; B b; void M() { u.a = 1; u.b = 2; b.data[0] = 1; } }
        """,
        // Sizes past int arithmetic.
        """
        using System.Runtime.CompilerServices;
        using System.Runtime.InteropServices;
        [InlineArray(int.MaxValue)] struct Huge { public long e; }
        unsafe struct HugeBuffer { public fixed long data[int.MaxValue]; }
        [StructLayout(LayoutKind.Explicit, Size = int.MaxValue)] struct U { [FieldOffset(0)] public Huge h; [FieldOffset(0)] public HugeBuffer b; [FieldOffset(0)] public int i; }
        class C { U u; void M() { u.i = 1; u.h[0] = 2; } }
        """,
    };

    [Theory]
    [MemberData(nameof(Snippets))]
    public async Task Incomplete_code_never_makes_the_analyzers_throw(string source)
    {
        var compilation = CSharpCompilation.Create(
            "Broken",
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest))],
            Basic.Reference.Assemblies.Net80.References.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));
        var analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new OverlappingMemberClobberAnalyzer(), new PunningReadAnalyzer());
        var exceptions = new List<Exception>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            (exception, _, _) => exceptions.Add(exception),
            concurrentAnalysis: true,
            logAnalyzerExecutionTime: false);

        var diagnostics = await compilation.WithAnalyzers(analyzers, options).GetAnalyzerDiagnosticsAsync();

        Assert.Empty(exceptions);
        Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
        Assert.Empty(OverlappingMemberAnalysisSession.InternalErrors);
    }
}
