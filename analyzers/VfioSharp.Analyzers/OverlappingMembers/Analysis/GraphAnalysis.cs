using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>
/// The dataflow over one control flow graph: a worklist to a fixed point over bounded sets of path
/// states, then one pass over the converged inputs that collects the evidence. Branches on tracked
/// mode variables refine (or prune) each path's facts; finally blocks are entered with the route
/// the path takes after them.
/// </summary>
internal sealed class GraphAnalysis
{
    // Enough for nested loops to converge; a graph that needs more is given up (it reports nothing).
    private const int MaximumVisitsPerBlock = 64;

    private readonly ControlFlowGraph _graph;
    private readonly GraphContext _context;
    private readonly PathTransfer _transfer;
    private readonly PathStateSet?[] _inputs;

    private GraphAnalysis(ControlFlowGraph graph, GraphContext context)
    {
        _graph = graph;
        _context = context;
        _transfer = new PathTransfer(context);
        _inputs = new PathStateSet?[graph.Blocks.Length];
    }

    /// <summary>Analyzes one graph; null when it had to be given up.</summary>
    public static GraphEvidence? Run(
        ControlFlowGraph graph,
        UnionGeometry geometry,
        MethodShape shape,
        IMethodSymbol? function,
        bool isNestedFunction,
        StoreSiteRegistry sites,
        System.Threading.CancellationToken cancellationToken)
    {
        var modes = new ModeVariableResolver(shape);
        var heapCaptures = new Dictionary<CaptureId, HeapReference?>();
        var capturedValues = new Dictionary<CaptureId, IOperation?>();
        var storageCaptures = new HashSet<CaptureId>();
        foreach (var operation in AllOperations(graph))
        {
            switch (operation)
            {
                case IFlowCaptureOperation capture:
                    modes.RecordCapture(capture);
                    RecordHeapCapture(heapCaptures, capture);
                    capturedValues[capture.Id] = capturedValues.ContainsKey(capture.Id) ? null : capture.Value;
                    break;
                case IFlowCaptureReferenceOperation reference when IsUsedAsStorage(reference):
                    storageCaptures.Add(reference.Id);
                    break;
            }
        }

        var context = new GraphContext(
            geometry, shape, function, isNestedFunction, modes, CountTestedModes(graph, modes), heapCaptures, capturedValues, storageCaptures, sites, cancellationToken);
        var analysis = new GraphAnalysis(graph, context);
        try
        {
            analysis.Converge();
            return analysis.Collect();
        }
        catch (AnalysisAbandonedException)
        {
            return null;
        }
    }

    private static IEnumerable<IOperation> AllOperations(ControlFlowGraph graph)
    {
        foreach (var block in graph.Blocks)
        {
            foreach (var operation in block.Operations)
            {
                foreach (var descendant in operation.DescendantsAndSelf())
                {
                    yield return descendant;
                }
            }

            if (block.BranchValue is not null)
            {
                foreach (var descendant in block.BranchValue.DescendantsAndSelf())
                {
                    yield return descendant;
                }
            }
        }
    }

    private static bool IsUsedAsStorage(IFlowCaptureReferenceOperation reference)
        => reference.Parent switch
        {
            IArgumentOperation argument => argument.Parameter?.RefKind is not (null or RefKind.None),
            ISimpleAssignmentOperation assignment => ReferenceEquals(assignment.Target, reference) || assignment.IsRef,
            ICompoundAssignmentOperation compound => ReferenceEquals(compound.Target, reference),
            IIncrementOrDecrementOperation => true,
            IFieldReferenceOperation or IInvocationOperation or IPropertyReferenceOperation => true,
            IAddressOfOperation => true,
            _ => false,
        };

    private static HashSet<ModeVariable> CountTestedModes(ControlFlowGraph graph, ModeVariableResolver modes)
    {
        var counts = new Dictionary<ModeVariable, int>();
        foreach (var block in graph.Blocks)
        {
            if (block.ConditionKind == ControlFlowConditionKind.None)
            {
                continue;
            }

            var test = BranchTest.Parse(block.BranchValue, modes);
            if (test is not null)
            {
                counts[test.Variable] = counts.TryGetValue(test.Variable, out var count) ? count + 1 : 1;
            }
        }

        // A variable tested once correlates nothing: splitting paths on it would only cost.
        return new HashSet<ModeVariable>(counts.Where(c => c.Value >= 2).Select(c => c.Key));
    }

    /// <summary>A null-conditional or similar captures a reference; accesses through the capture reach the same object.</summary>
    private static void RecordHeapCapture(Dictionary<CaptureId, HeapReference?> captures, IFlowCaptureOperation capture)
    {
        var reference = capture.Value switch
        {
            ILocalReferenceOperation { Local: { IsRef: false, Type.IsReferenceType: true } local } => new HeapReference(local, ImmutableArray<ISymbol>.Empty),
            IParameterReferenceOperation { Parameter: { RefKind: RefKind.None, Type.IsReferenceType: true } parameter } => new HeapReference(parameter, ImmutableArray<ISymbol>.Empty),
            IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance, Type.IsReferenceType: true } => new HeapReference(null, ImmutableArray<ISymbol>.Empty),
            _ => null,
        };

        if (captures.TryGetValue(capture.Id, out var known))
        {
            if (known is not null && !known.Equals(reference))
            {
                captures[capture.Id] = null;
            }
        }
        else
        {
            captures[capture.Id] = reference;
        }
    }

    private void Converge()
    {
        var visits = new int[_graph.Blocks.Length];
        var processed = new List<PathState>?[_graph.Blocks.Length];
        var worklist = new SortedSet<int>();
        Seed(worklist);
        while (worklist.Count > 0)
        {
            _context.CancellationToken.ThrowIfCancellationRequested();
            var ordinal = worklist.Min;
            worklist.Remove(ordinal);
            if (++visits[ordinal] > MaximumVisitsPerBlock)
            {
                throw new AnalysisAbandonedException();
            }

            var block = _graph.Blocks[ordinal];

            // A state already pushed through this block gave its successors all it will give: the
            // transfer depends on nothing else. Only states added or widened since are processed.
            var done = processed[ordinal] ??= new List<PathState>();
            foreach (var state in _inputs[ordinal]!.States.ToList())
            {
                if (ContainsSame(done, state))
                {
                    continue;
                }

                done.Add(state);
                foreach (var (destination, output) in Process(block, state))
                {
                    var input = _inputs[destination.Ordinal] ??= new PathStateSet();
                    if (input.Add(output))
                    {
                        worklist.Add(destination.Ordinal);
                    }
                }
            }
        }
    }

    private static bool ContainsSame(List<PathState> states, PathState state)
    {
        foreach (var candidate in states)
        {
            if (ReferenceEquals(candidate, state))
            {
                return true;
            }
        }

        return false;
    }

    private GraphEvidence Collect()
    {
        var evidence = new GraphEvidence();
        _context.Evidence = evidence;
        foreach (var block in _graph.Blocks)
        {
            var input = _inputs[block.Ordinal];
            if (input is null)
            {
                continue;
            }

            foreach (var state in input.States)
            {
                _context.CancellationToken.ThrowIfCancellationRequested();
                foreach (var _ in Process(block, state))
                {
                }
            }
        }

        return evidence;
    }

    /// <summary>
    /// The entry, and every handler: a catch or finally can be entered from anywhere in its try,
    /// so it starts from a state that knows nothing (it can hide findings, never invent them).
    /// </summary>
    private void Seed(SortedSet<int> worklist)
    {
        var entry = _graph.Blocks[0];
        (_inputs[entry.Ordinal] = new PathStateSet()).Add(PathState.Start);
        worklist.Add(entry.Ordinal);

        var regions = new Stack<ControlFlowRegion>();
        regions.Push(_graph.Root);
        while (regions.Count > 0)
        {
            var region = regions.Pop();
            if (region.Kind is ControlFlowRegionKind.Catch or ControlFlowRegionKind.Filter or ControlFlowRegionKind.Finally)
            {
                var input = _inputs[region.FirstBlockOrdinal] ??= new PathStateSet();
                input.Add(PathState.Start);
                worklist.Add(region.FirstBlockOrdinal);
            }

            foreach (var nested in region.NestedRegions)
            {
                regions.Push(nested);
            }
        }
    }

    private List<(BasicBlock Destination, PathState State)> Process(BasicBlock block, PathState state)
    {
        _transfer.Load(state);
        for (var region = block.EnclosingRegion; region is not null && region.FirstBlockOrdinal == block.Ordinal; region = region.EnclosingRegion)
        {
            if (!region.Locals.IsEmpty)
            {
                _transfer.EnterScope(region.Locals);
            }
        }

        foreach (var operation in block.Operations)
        {
            _transfer.Apply(operation);
        }

        if (block.BranchValue is not null)
        {
            var returnsByRef = block.ConditionKind == ControlFlowConditionKind.None
                               && block.FallThroughSuccessor?.Semantics == ControlFlowBranchSemantics.Return
                               && _context.Function is { RefKind: not RefKind.None };
            _transfer.Apply(block.BranchValue, returnsByRef);
        }

        var results = new List<(BasicBlock, PathState)>(2);
        if (block.Kind == BasicBlockKind.Exit)
        {
            _transfer.Exit();
            return results;
        }

        var after = _transfer.Save(state.Continuation);
        if (block.ConditionKind == ControlFlowConditionKind.None)
        {
            Follow(block.FallThroughSuccessor, after, results);
            return results;
        }

        var (whenTrue, whenFalse) = Split(block.BranchValue, after.Facts);
        var jumpsWhenTrue = block.ConditionKind == ControlFlowConditionKind.WhenTrue;
        var (jumpFacts, fallFacts) = jumpsWhenTrue ? (whenTrue, whenFalse) : (whenFalse, whenTrue);
        if (jumpFacts is not null)
        {
            Follow(block.ConditionalSuccessor, after.WithFacts(jumpFacts), results);
        }

        if (fallFacts is not null)
        {
            Follow(block.FallThroughSuccessor, after.WithFacts(fallFacts), results);
        }

        return results;
    }

    /// <summary>The facts of the paths on which the condition is true and false; null for a side no path takes.</summary>
    private (ModeFacts? WhenTrue, ModeFacts? WhenFalse) Split(IOperation? condition, ModeFacts facts)
    {
        if (condition?.ConstantValue is { HasValue: true, Value: bool constant })
        {
            return constant ? (facts, null) : (null, facts);
        }

        var test = BranchTest.Parse(condition, _context.Modes);
        if (test is null || !_context.TrackedModes.Contains(test.Variable))
        {
            return (facts, facts);
        }

        return (facts.Assume(test.Variable, test.WhenTrue), facts.Assume(test.Variable, test.WhenTrue.Complement()));
    }

    private void Follow(ControlFlowBranch? branch, PathState state, List<(BasicBlock, PathState)> results)
    {
        if (branch is null)
        {
            return;
        }

        switch (branch.Semantics)
        {
            case ControlFlowBranchSemantics.Regular:
            case ControlFlowBranchSemantics.Return:
                if (branch.Destination is null)
                {
                    return;
                }

                if (!branch.FinallyRegions.IsEmpty)
                {
                    var first = branch.FinallyRegions[0];
                    var continuation = new FinallyContinuation(branch.FinallyRegions.RemoveAt(0), branch.Destination, state.Continuation);
                    results.Add((FirstBlock(first), state.WithContinuation(continuation)));
                    return;
                }

                results.Add((branch.Destination, state));
                return;

            case ControlFlowBranchSemantics.StructuredExceptionHandling:
                var frame = state.Continuation;
                if (frame is null)
                {
                    // The end of a finally (or filter) entered by an exception: the exception goes on.
                    return;
                }

                if (!frame.RemainingFinallyRegions.IsEmpty)
                {
                    var next = new FinallyContinuation(frame.RemainingFinallyRegions.RemoveAt(0), frame.Destination, frame.Outer);
                    results.Add((FirstBlock(frame.RemainingFinallyRegions[0]), state.WithContinuation(next)));
                    return;
                }

                if (frame.Destination is not null)
                {
                    results.Add((frame.Destination, state.WithContinuation(frame.Outer)));
                }

                return;

            default:
                // Throw, rethrow, program termination, error: the path leaves the method abnormally.
                return;
        }
    }

    private BasicBlock FirstBlock(ControlFlowRegion region) => _graph.Blocks[region.FirstBlockOrdinal];
}
