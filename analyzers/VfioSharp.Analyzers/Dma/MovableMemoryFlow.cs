using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using VfioSharp.Analyzers.Bodies;

namespace VfioSharp.Analyzers.Dma;

/// <summary>
/// Forward dataflow over one control flow graph: which locals may hold an address of movable memory at each
/// point (any path is enough: a DMA address must be right on every path), and which stores or arguments
/// hand such an address to a DMA sink.
/// </summary>
internal sealed class MovableMemoryFlow : LocalStateFlow<string>
{
    private readonly List<(IOperation Value, ISymbol Sink, string Origin)> _findings = new();

    private MovableMemoryFlow(ControlFlowGraph graph)
        : base(graph)
    {
    }

    public static List<(IOperation Value, ISymbol Sink, string Origin)> Findings(ControlFlowGraph graph, CancellationToken cancellationToken)
    {
        var flow = new MovableMemoryFlow(graph);
        flow.Run(cancellationToken);
        return flow._findings;
    }

    /// <summary>The union of the predecessors' exits: a local is movable when it is on any path.</summary>
    protected override Dictionary<ILocalSymbol, string> Entry(BasicBlock block)
    {
        var joined = EmptyState();
        foreach (var predecessor in block.Predecessors)
        {
            if (TryGetExit(predecessor.Source, out var exit))
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

    protected override void Apply(IOperation operation, Dictionary<ILocalSymbol, string> state)
    {
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
        if (IsReporting && MovableOrigins.Of(value, state) is { } origin)
        {
            _findings.Add((value, sink, origin));
        }
    }
}
