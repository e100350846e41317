using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using VfioSharp.Analyzers.Bodies;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>
/// Runs the union dataflow over every control flow graph of one member: its body, then each local
/// function and lambda in its own graph. Members that don't name two overlapping fields of one
/// union can't have a finding and cost a scan of their identifiers.
/// </summary>
internal static class MemberAnalysis
{
    public static MemberFindings Analyze(OperationBlockAnalysisContext context, UnionGeometry geometry, OverlappingMemberIndex index)
    {
        var clobbers = ImmutableArray.CreateBuilder<ClobberFinding>();
        var punningReads = ImmutableArray.CreateBuilder<PunningReadFinding>();
        var analyzedRoots = new HashSet<IOperation>();
        foreach (var block in context.OperationBlocks)
        {
            var root = block;
            while (root.Parent is not null)
            {
                root = root.Parent;
            }

            if (root is not (IMethodBodyOperation or IConstructorBodyOperation or IBlockOperation) || !analyzedRoots.Add(root))
            {
                continue;
            }

            // The text filter spares the walk of a body that names no pair; once another rule has paid
            // for the walk, the exact check over its field references is the cheaper of the two.
            if (!(BodyOperations.IsWalked(root) || index.MayNameOverlappingPair(root.Syntax)) || !index.ReferencesOverlappingPair(root))
            {
                continue;
            }

            var graph = context.GetControlFlowGraph(block);
            var shape = MethodShape.Build(root);
            var sites = new StoreSiteRegistry();
            AnalyzeGraph(graph, context.OwningSymbol as IMethodSymbol, isNested: false, geometry, shape, sites, clobbers, punningReads, context.CancellationToken);
        }

        return clobbers.Count == 0 && punningReads.Count == 0
            ? MemberFindings.None
            : new MemberFindings(clobbers.ToImmutable(), punningReads.ToImmutable());
    }

    private static void AnalyzeGraph(
        ControlFlowGraph graph,
        IMethodSymbol? function,
        bool isNested,
        UnionGeometry geometry,
        MethodShape shape,
        StoreSiteRegistry sites,
        ImmutableArray<ClobberFinding>.Builder clobbers,
        ImmutableArray<PunningReadFinding>.Builder punningReads,
        CancellationToken cancellationToken)
    {
        var evidence = GraphAnalysis.Run(graph, geometry, shape, function, isNested, sites, cancellationToken);
        if (evidence is not null)
        {
            Report(evidence, geometry, clobbers, punningReads);
        }

        foreach (var localFunction in graph.LocalFunctions)
        {
            AnalyzeGraph(graph.GetLocalFunctionControlFlowGraph(localFunction, cancellationToken), localFunction, isNested: true,
                geometry, shape, sites, clobbers, punningReads, cancellationToken);
        }

        foreach (var lambda in AnonymousFunctions(graph))
        {
            AnalyzeGraph(graph.GetAnonymousFunctionControlFlowGraph(lambda, cancellationToken), lambda.Symbol, isNested: true,
                geometry, shape, sites, clobbers, punningReads, cancellationToken);
        }
    }

    private static IEnumerable<IFlowAnonymousFunctionOperation> AnonymousFunctions(ControlFlowGraph graph)
    {
        foreach (var block in graph.Blocks)
        {
            foreach (var operation in block.Operations)
            {
                foreach (var lambda in operation.DescendantsAndSelf().OfType<IFlowAnonymousFunctionOperation>())
                {
                    yield return lambda;
                }
            }

            if (block.BranchValue is not null)
            {
                foreach (var lambda in block.BranchValue.DescendantsAndSelf().OfType<IFlowAnonymousFunctionOperation>())
                {
                    yield return lambda;
                }
            }
        }
    }

    private static void Report(
        GraphEvidence evidence,
        UnionGeometry geometry,
        ImmutableArray<ClobberFinding>.Builder clobbers,
        ImmutableArray<PunningReadFinding>.Builder punningReads)
    {
        foreach (var entry in evidence.Clobbers.OrderBy(e => e.Key.Id))
        {
            var store = entry.Key;
            var pending = entry.Value;
            var (union, _, shared) = geometry.Divergence(store.Access, pending.Clobbered.Access);

            // Counted from the start of the overwritten member, as it is named in the message.
            var offset = pending.Clobbered.Access.Start;
            clobbers.Add(new ClobberFinding(
                store.Operation.Syntax.GetLocation(),
                pending.Clobbered.Operation.Syntax.GetLocation(),
                Describe(store.Access, shared),
                Describe(pending.Clobbered.Access, shared),
                union.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat),
                DescribeBytes(pending.Start - offset, pending.End - offset)));
        }

        foreach (var entry in evidence.Reads)
        {
            var tally = entry.Value;
            if (tally.OtherStates != 0 || tally.PunnedStates == 0 || tally.Writer is null)
            {
                continue;
            }

            var (union, _, shared) = geometry.Divergence(tally.Access, tally.Writer.Access);
            punningReads.Add(new PunningReadFinding(
                entry.Key.Syntax.GetLocation(),
                tally.Writer.Operation.Syntax.GetLocation(),
                Describe(tally.Access, shared),
                Describe(tally.Writer.Access, shared),
                union.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)));
        }
    }

    private static string Describe(MemberAccess access, int sharedFields)
        => access.Members.Length <= sharedFields
            ? access.Display
            : SymbolPath.Display(access.Members.RemoveRange(0, sharedFields));

    private static string DescribeBytes(int start, int end)
        => end - start == 1
            ? string.Format(CultureInfo.InvariantCulture, "byte {0}", start)
            : string.Format(CultureInfo.InvariantCulture, "bytes {0}-{1}", start, end - 1);
}
