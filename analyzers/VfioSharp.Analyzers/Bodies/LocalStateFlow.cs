using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace VfioSharp.Analyzers.Bodies;

/// <summary>
/// A forward dataflow over one control flow graph whose state is a value per local (the locals a rule
/// tracks; a local not in the map is unknown). Solves to a fixed point, then walks every block once
/// more with <see cref="IsReporting"/> set, which is when a rule records its findings: every operation is
/// then seen with the state that holds on every path to it.
/// </summary>
/// <remarks>
/// Operations are visited children first, the order in which C# evaluates them; a lambda's body is a graph
/// of its own and is skipped (the locals it captures are the rule's to exclude).
/// </remarks>
internal abstract class LocalStateFlow<TValue>
{
    // States only grow (or lose locals) and there are finitely many: the solve terminates; this is a guard.
    private const int MaximumRounds = 64;

    private readonly Dictionary<BasicBlock, Dictionary<ILocalSymbol, TValue>> _exit = new();

    protected LocalStateFlow(ControlFlowGraph graph)
    {
        Graph = graph;
    }

    protected ControlFlowGraph Graph { get; }

    /// <summary>Whether this is the last walk, after the fixed point, in which findings are recorded.</summary>
    protected bool IsReporting { get; private set; }

    /// <summary>Solves the flow, then walks every block once more to report.</summary>
    protected void Run(CancellationToken cancellationToken)
    {
        for (var round = 0; round < MaximumRounds; round++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var changed = false;
            foreach (var block in Graph.Blocks)
            {
                var entry = Entry(block);
                if (entry is null)
                {
                    continue;
                }

                var exit = Transfer(block, entry);
                if (!_exit.TryGetValue(block, out var previous) || !Same(previous, exit))
                {
                    _exit[block] = exit;
                    changed = true;
                }
            }

            if (!changed)
            {
                break;
            }
        }

        IsReporting = true;
        foreach (var block in Graph.Blocks)
        {
            if (Entry(block) is { } entry)
            {
                Transfer(block, entry);
            }
        }
    }

    /// <summary>The state at the start of <paramref name="block"/>, from its predecessors' exits; null when nothing reaches it yet.</summary>
    protected abstract Dictionary<ILocalSymbol, TValue>? Entry(BasicBlock block);

    /// <summary>Updates <paramref name="state"/> for one operation, after its children.</summary>
    protected abstract void Apply(IOperation operation, Dictionary<ILocalSymbol, TValue> state);

    /// <summary>The exit state of <paramref name="block"/> computed so far.</summary>
    protected bool TryGetExit(BasicBlock block, out Dictionary<ILocalSymbol, TValue> exit)
        => _exit.TryGetValue(block, out exit!);

    protected static Dictionary<ILocalSymbol, TValue> EmptyState() => new(SymbolEqualityComparer.Default);

    private static bool Same(Dictionary<ILocalSymbol, TValue> left, Dictionary<ILocalSymbol, TValue> right)
    {
        if (left.Count != right.Count)
        {
            return false;
        }

        foreach (var pair in left)
        {
            if (!right.TryGetValue(pair.Key, out var value) || !EqualityComparer<TValue>.Default.Equals(value, pair.Value))
            {
                return false;
            }
        }

        return true;
    }

    private Dictionary<ILocalSymbol, TValue> Transfer(BasicBlock block, Dictionary<ILocalSymbol, TValue> entry)
    {
        var state = new Dictionary<ILocalSymbol, TValue>(entry, SymbolEqualityComparer.Default);
        foreach (var operation in block.Operations)
        {
            Visit(operation, state);
        }

        if (block.BranchValue is { } branch)
        {
            Visit(branch, state);
        }

        return state;
    }

    private void Visit(IOperation operation, Dictionary<ILocalSymbol, TValue> state)
    {
        if (operation is IFlowAnonymousFunctionOperation)
        {
            return;
        }

        foreach (var child in operation.ChildOperations)
        {
            Visit(child, state);
        }

        Apply(operation, state);
    }
}
