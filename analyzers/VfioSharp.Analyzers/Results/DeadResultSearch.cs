using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace VfioSharp.Analyzers.Results;

/// <summary>
/// Whether the value a statement stores into a local is read on some path after it, on the control
/// flow graph: a path ends where the local is stored again or the method returns. Exceptions may
/// leave any block of a try for its handlers; the end of a finally goes on to every place a branch
/// through that finally leads (and, when none is found, counts as a read).
/// </summary>
internal static class DeadResultSearch
{
    private enum Effect
    {
        None,
        Read,
        Overwritten,
    }

    /// <summary>Whether the value stored into <paramref name="local"/> by operation <paramref name="index"/> of <paramref name="block"/> may be read.</summary>
    public static bool MayBeRead(ControlFlowGraph graph, BasicBlock block, int index, ILocalSymbol local)
    {
        switch (Scan(block, index + 1, local))
        {
            case Effect.Read:
                return true;
            case Effect.Overwritten:
                return false;
        }

        var visited = new HashSet<int>();
        var pending = new Stack<BasicBlock>();
        if (EndsFinally(block) && !PushAfterFinally(graph, block, pending))
        {
            return true;
        }

        PushSuccessors(graph, block, pending);
        while (pending.Count > 0)
        {
            var current = pending.Pop();
            if (!visited.Add(current.Ordinal))
            {
                continue;
            }

            switch (Scan(current, 0, local))
            {
                case Effect.Read:
                    return true;
                case Effect.Overwritten:
                    continue;
            }

            if (EndsFinally(current) && !PushAfterFinally(graph, current, pending))
            {
                return true;
            }

            PushSuccessors(graph, current, pending);
        }

        return false;
    }

    private static Effect Scan(BasicBlock block, int start, ILocalSymbol local)
    {
        for (var i = start; i < block.Operations.Length; i++)
        {
            var effect = EffectOf(block.Operations[i], local);
            if (effect != Effect.None)
            {
                return effect;
            }
        }

        return block.BranchValue is { } branchValue ? EffectOf(branchValue, local) : Effect.None;
    }

    /// <summary>A read anywhere in the operation wins over a store (the read may come first).</summary>
    private static Effect EffectOf(IOperation operation, ILocalSymbol local)
    {
        var overwritten = false;
        foreach (var descendant in operation.DescendantsAndSelf())
        {
            if (descendant is not ILocalReferenceOperation reference || !SymbolEqualityComparer.Default.Equals(reference.Local, local))
            {
                continue;
            }

            if (IsPlainStore(reference))
            {
                overwritten = true;
            }
            else
            {
                return Effect.Read;
            }
        }

        return overwritten ? Effect.Overwritten : Effect.None;
    }

    private static bool IsPlainStore(ILocalReferenceOperation reference)
        => reference.Parent switch
        {
            ISimpleAssignmentOperation { IsRef: false } assignment => ReferenceEquals(assignment.Target, reference),
            IArgumentOperation { Parameter.RefKind: RefKind.Out } => true,
            IDeclarationExpressionOperation { Parent: IArgumentOperation { Parameter.RefKind: RefKind.Out } } => true,
            _ => false,
        };

    private static void PushSuccessors(ControlFlowGraph graph, BasicBlock block, Stack<BasicBlock> pending)
    {
        Push(graph, block.FallThroughSuccessor, pending);
        Push(graph, block.ConditionalSuccessor, pending);

        // Any operation of a try may throw into its handlers.
        for (var region = block.EnclosingRegion; region is not null; region = region.EnclosingRegion)
        {
            if (region.Kind != ControlFlowRegionKind.Try || region.EnclosingRegion is not { } tryAndHandlers)
            {
                continue;
            }

            foreach (var handler in tryAndHandlers.NestedRegions)
            {
                if (!ReferenceEquals(handler, region))
                {
                    pending.Push(graph.Blocks[handler.FirstBlockOrdinal]);
                }
            }
        }
    }

    private static void Push(ControlFlowGraph graph, ControlFlowBranch? branch, Stack<BasicBlock> pending)
    {
        if (branch is null)
        {
            return;
        }

        if (branch.Destination is { } destination)
        {
            pending.Push(destination);
        }

        foreach (var finallyRegion in branch.FinallyRegions)
        {
            pending.Push(graph.Blocks[finallyRegion.FirstBlockOrdinal]);
        }
    }

    /// <summary>Pushes where the branches through the finally that <paramref name="end"/> ends go on to; false when there are none.</summary>
    private static bool PushAfterFinally(ControlFlowGraph graph, BasicBlock end, Stack<BasicBlock> pending)
    {
        var region = end.EnclosingRegion;
        while (region is not null && region.Kind != ControlFlowRegionKind.Finally)
        {
            region = region.EnclosingRegion;
        }

        if (region is null)
        {
            return false;
        }

        var found = false;
        foreach (var block in graph.Blocks)
        {
            foreach (var branch in new[] { block.FallThroughSuccessor, block.ConditionalSuccessor })
            {
                if (branch?.Destination is { } destination && branch.FinallyRegions.Contains(region))
                {
                    pending.Push(destination);
                    found = true;
                }
            }
        }

        return found;
    }

    private static bool EndsFinally(BasicBlock block)
        => block.FallThroughSuccessor is { Destination: null, Semantics: ControlFlowBranchSemantics.StructuredExceptionHandling };
}
