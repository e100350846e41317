using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace VfioSharp.Analyzers.Dma;

/// <summary>
/// Forward dataflow over one control flow graph: which locals may hold an address of movable memory at each
/// point (any path is enough: a DMA address must be right on every path), and which stores or arguments
/// hand such an address to a DMA sink.
/// </summary>
internal sealed class MovableMemoryFlow
{
    private readonly ControlFlowGraph _graph;
    private readonly Dictionary<BasicBlock, Dictionary<ILocalSymbol, string>> _exit = new();
    private List<(IOperation Value, ISymbol Sink, string Origin)>? _findings;

    private MovableMemoryFlow(ControlFlowGraph graph)
    {
        _graph = graph;
    }

    public static List<(IOperation Value, ISymbol Sink, string Origin)> Findings(ControlFlowGraph graph, CancellationToken cancellationToken)
    {
        var flow = new MovableMemoryFlow(graph);
        for (var round = 0; round < 64; round++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var changed = false;
            foreach (var block in graph.Blocks)
            {
                var exit = flow.Transfer(block, flow.Entry(block));
                if (!flow._exit.TryGetValue(block, out var previous) || !Same(previous, exit))
                {
                    flow._exit[block] = exit;
                    changed = true;
                }
            }

            if (!changed)
            {
                break;
            }
        }

        flow._findings = new List<(IOperation, ISymbol, string)>();
        foreach (var block in graph.Blocks)
        {
            flow.Transfer(block, flow.Entry(block));
        }

        return flow._findings;
    }

    /// <summary>The union of the predecessors' exits: a local is movable when it is on any path.</summary>
    private Dictionary<ILocalSymbol, string> Entry(BasicBlock block)
    {
        var joined = new Dictionary<ILocalSymbol, string>(SymbolEqualityComparer.Default);
        foreach (var predecessor in block.Predecessors)
        {
            if (_exit.TryGetValue(predecessor.Source, out var exit))
            {
                foreach (var pair in exit)
                {
                    if (!joined.ContainsKey(pair.Key))
                    {
                        joined[pair.Key] = pair.Value;
                    }
                }
            }
        }

        return joined;
    }

    private static bool Same(Dictionary<ILocalSymbol, string> left, Dictionary<ILocalSymbol, string> right)
        => left.Count == right.Count && left.All(pair => right.TryGetValue(pair.Key, out var value) && value == pair.Value);

    private Dictionary<ILocalSymbol, string> Transfer(BasicBlock block, Dictionary<ILocalSymbol, string> entry)
    {
        var state = new Dictionary<ILocalSymbol, string>(entry, SymbolEqualityComparer.Default);
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

    private void Visit(IOperation operation, Dictionary<ILocalSymbol, string> state)
    {
        if (operation is IFlowAnonymousFunctionOperation)
        {
            return;
        }

        foreach (var child in operation.ChildOperations)
        {
            Visit(child, state);
        }

        switch (operation)
        {
            case ISimpleAssignmentOperation { Target: ILocalReferenceOperation { Local: var local } } assignment:
                if (MovableOrigins.Of(assignment.Value, state) is { } origin)
                {
                    state[local] = origin;
                }
                else
                {
                    state.Remove(local);
                }

                break;
            case ISimpleAssignmentOperation { Target: IMemberReferenceOperation { Member: var member } } assignment when DmaAddressSinks.Is(member):
                Report(assignment.Value, member, state);
                break;
            case IArgumentOperation { Parameter: { } parameter } argument when DmaAddressSinks.Is(parameter):
                Report(argument.Value, parameter, state);
                break;
        }
    }

    private void Report(IOperation value, ISymbol sink, Dictionary<ILocalSymbol, string> state)
    {
        if (_findings is not null && MovableOrigins.Of(value, state) is { } origin)
        {
            _findings.Add((value, sink, origin));
        }
    }
}
