using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace VfioSharp.Analyzers.FileDescriptors;

/// <summary>
/// A forward dataflow analysis over one <see cref="ControlFlowGraph"/> (not its nested lambdas or
/// local functions, which have graphs of their own). Branch conditions are not correlated: both
/// successors of a conditional branch receive the same state.
/// </summary>
/// <remarks>
/// Roslyn's graph has no edges into catch, filter and finally handlers: any operation of the try
/// block may throw. A handler therefore starts from the join of every state observed inside its
/// try region, between any two operations. That is what makes an error path that closes an fd
/// before the try block assigned it visible. The state flowing past a finally to the branch
/// destination is the state before the finally (its effects are not replayed).
/// </remarks>
internal abstract class ForwardDataflow<TState>
    where TState : class
{
    private const int MaxPassesPerBlock = 8;

    private readonly Dictionary<ControlFlowRegion, TState> _handlerEntry = new();
    private TState?[] _out = [];
    private bool _handlerEntryChanged;

    /// <summary>True during the single pass that runs after the fixed point: only then may an analysis record findings.</summary>
    protected bool IsFinalPass { get; private set; }

    /// <summary>The state at the exit block after <see cref="Run"/>, or null when no path reaches it normally.</summary>
    public TState? ExitState { get; private set; }

    /// <summary>Combines the states of two paths that meet.</summary>
    protected abstract TState Join(TState left, TState right);

    /// <summary>Whether two states are equal, to detect the fixed point.</summary>
    protected abstract bool IsSame(TState left, TState right);

    /// <summary>
    /// The state after one top-level operation of a block (or its branch value); null when no path
    /// goes on past it (a call to a method that never returns), so the rest of the block is dead.
    /// </summary>
    protected abstract TState? Transfer(TState state, IOperation operation);

    /// <summary>
    /// Iterates to a fixed point, then makes one final pass in which findings may be recorded.
    /// Returns false, without a final pass, when the graph does not settle within the pass budget:
    /// an analysis then reports nothing rather than something unproven.
    /// </summary>
    public bool Run(ControlFlowGraph graph, TState entryState)
    {
        var blocks = graph.Blocks;
        _out = new TState?[blocks.Length];
        _handlerEntry.Clear();
        var maxPasses = MaxPassesPerBlock + blocks.Length;
        var settled = false;
        for (var pass = 0; pass < maxPasses && !settled; pass++)
        {
            settled = !Pass(blocks, entryState);
        }

        if (!settled)
        {
            return false;
        }

        IsFinalPass = true;
        Pass(blocks, entryState);
        IsFinalPass = false;
        return true;
    }

    private bool Pass(System.Collections.Immutable.ImmutableArray<BasicBlock> blocks, TState entryState)
    {
        var changed = false;
        _handlerEntryChanged = false;
        foreach (var block in blocks)
        {
            var state = block.Kind == BasicBlockKind.Entry ? entryState : null;
            foreach (var branch in block.Predecessors)
            {
                state = JoinNullable(state, _out[branch.Source.Ordinal]);
            }

            var tryRegion = TryRegionHandledBy(block);
            if (tryRegion is not null && _handlerEntry.TryGetValue(tryRegion, out var handlerState))
            {
                state = JoinNullable(state, handlerState);
            }

            if (state is null)
            {
                continue;
            }

            if (block.Kind == BasicBlockKind.Exit)
            {
                ExitState = state;
            }

            Observe(block, state);
            TState? current = state;
            foreach (var operation in block.Operations)
            {
                current = Transfer(current, operation);
                if (current is null)
                {
                    break;
                }

                Observe(block, current);
            }

            if (current is not null && block.BranchValue is { } branchValue)
            {
                current = Transfer(current, branchValue);
                if (current is not null)
                {
                    Observe(block, current);
                }
            }

            // A block that no path leaves stays without an output: its successors don't hear of it.
            var previous = _out[block.Ordinal];
            if (current is not null && (previous is null || !IsSame(previous, current)))
            {
                _out[block.Ordinal] = current;
                changed = true;
            }
        }

        return changed || _handlerEntryChanged;
    }

    private TState? JoinNullable(TState? left, TState? right)
        => left is null ? right : right is null ? left : Join(left, right);

    private void Observe(BasicBlock block, TState state)
    {
        for (var region = block.EnclosingRegion; region is not null; region = region.EnclosingRegion)
        {
            if (region.Kind != ControlFlowRegionKind.Try)
            {
                continue;
            }

            if (!_handlerEntry.TryGetValue(region, out var existing))
            {
                _handlerEntry[region] = state;
                _handlerEntryChanged = true;
                continue;
            }

            var joined = Join(existing, state);
            if (!IsSame(existing, joined))
            {
                _handlerEntry[region] = joined;
                _handlerEntryChanged = true;
            }
        }
    }

    /// <summary>The try region whose exceptions enter <paramref name="block"/>, when it starts a catch, filter or finally.</summary>
    private static ControlFlowRegion? TryRegionHandledBy(BasicBlock block)
    {
        for (var region = block.EnclosingRegion;
             region is not null && region.FirstBlockOrdinal == block.Ordinal;
             region = region.EnclosingRegion)
        {
            if (region.Kind is not (ControlFlowRegionKind.Catch or ControlFlowRegionKind.Filter
                or ControlFlowRegionKind.FilterAndHandler or ControlFlowRegionKind.Finally))
            {
                continue;
            }

            for (var outer = region.EnclosingRegion; outer is not null; outer = outer.EnclosingRegion)
            {
                if (outer.Kind is ControlFlowRegionKind.TryAndCatch or ControlFlowRegionKind.TryAndFinally)
                {
                    return outer.NestedRegions.Length > 0 && outer.NestedRegions[0].Kind == ControlFlowRegionKind.Try
                        ? outer.NestedRegions[0]
                        : null;
                }
            }
        }

        return null;
    }
}
