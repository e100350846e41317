using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>
/// The overlapping-member analysis of one compilation, shared by the VFIO001 and VFIO002 analyzers
/// so that each member body is analyzed once however many of the two rules are enabled.
/// </summary>
internal sealed class OverlappingMemberAnalysisSession
{
    private static readonly ConditionalWeakTable<Compilation, OverlappingMemberAnalysisSession> Sessions = new();

    private readonly Compilation _compilation;
    private readonly UnionGeometry _geometry;
    private readonly ConcurrentDictionary<ISymbol, Lazy<MemberFindings>> _findings = new(SymbolEqualityComparer.Default);
    private readonly object _gate = new();
    private OverlappingMemberIndex? _index;

    private OverlappingMemberAnalysisSession(Compilation compilation)
    {
        _compilation = compilation;
        _geometry = new UnionGeometry(new StructLayoutCatalog(compilation));
    }

    /// <summary>
    /// Internal errors, which are swallowed so that no build fails with AD0001 because of this
    /// analysis; tests assert that this stays empty.
    /// </summary>
    internal static ConcurrentQueue<string> InternalErrors { get; } = new();

    public static OverlappingMemberAnalysisSession For(Compilation compilation)
        => Sessions.GetValue(compilation, c => new OverlappingMemberAnalysisSession(c));

    /// <summary>
    /// Whether the compilation declares a struct with overlapping members, or can use one from a
    /// reference: a generated uapi record whose fields carry <c>[UapiField]</c> (other unions from
    /// metadata are invisible, their layout is not in custom attributes). Without one nothing can
    /// be found.
    /// </summary>
    public bool HasUnion(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_index is not null)
            {
                return !_index.IsEmpty;
            }
        }

        OverlappingMemberIndex index;
        try
        {
            var structs = _compilation.GetSymbolsWithName(_ => true, SymbolFilter.Type, cancellationToken)
                .OfType<INamedTypeSymbol>()
                .Where(t => t.TypeKind == TypeKind.Struct && MayHaveExplicitLayout(t));
            index = new OverlappingMemberIndex(_geometry.Catalog, structs, ReferencedUnionNames.Find(_compilation, cancellationToken));
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            InternalErrors.Enqueue("layout survey: " + exception);
            index = new OverlappingMemberIndex(_geometry.Catalog, [], []);
        }

        lock (_gate)
        {
            _index ??= index;
            return !_index.IsEmpty;
        }
    }

    /// <summary>
    /// A struct declared in source is explicit only through a <c>[StructLayout]</c> on one of its
    /// declarations: one without any attribute list needs no layout (laying out every struct of a
    /// compilation, with the types of its fields, cost more than the rest of the rule on code without unions).
    /// </summary>
    private static bool MayHaveExplicitLayout(INamedTypeSymbol type)
    {
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is not TypeDeclarationSyntax declaration || declaration.AttributeLists.Count > 0)
            {
                return true;
            }
        }

        return false;
    }

    public MemberFindings GetFindings(OperationBlockAnalysisContext context)
    {
        var lazy = _findings.GetOrAdd(
            context.OwningSymbol,
            _ => new Lazy<MemberFindings>(() => AnalyzeSafely(context), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch (OperationCanceledException)
        {
            // A cancelled run must not be remembered as the answer for the other analyzer.
            _findings.TryRemove(context.OwningSymbol, out _);
            throw;
        }
    }

    private MemberFindings AnalyzeSafely(OperationBlockAnalysisContext context)
    {
        try
        {
            var index = _index;
            return index is null ? MemberFindings.None : MemberAnalysis.Analyze(context, _geometry, index);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            InternalErrors.Enqueue(context.OwningSymbol.ToDisplayString() + ": " + exception);
            return MemberFindings.None;
        }
    }
}
