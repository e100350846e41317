using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using VfioSharp.Analyzers.Bodies;

namespace VfioSharp.Analyzers.Ioctls;

/// <summary>The control flow graphs of an operation block and of the lambdas and local functions in it.</summary>
internal static class FlowGraphs
{
    /// <summary>
    /// The operation blocks whose roots have graphs (a method body, a constructor body, a field
    /// initializer, a top-level program), each root once, with that root: the body block's parent is
    /// the method-body operation, so a filter on parentless blocks would find nothing.
    /// </summary>
    public static IEnumerable<(IOperation Block, IOperation Root)> RootsOf(OperationBlockAnalysisContext context)
    {
        var seen = new HashSet<IOperation>();
        foreach (var block in context.OperationBlocks)
        {
            var root = block;
            while (root.Parent is not null)
            {
                root = root.Parent;
            }

            if (seen.Add(root) && root is IMethodBodyOperation or IConstructorBodyOperation or IFieldInitializerOperation
                    or IPropertyInitializerOperation or IBlockOperation)
            {
                yield return (block, root);
            }
        }
    }

    /// <summary>The graph of <paramref name="block"/>'s root and the graphs nested in it, at any depth.</summary>
    public static IEnumerable<ControlFlowGraph> Within(OperationBlockAnalysisContext context, IOperation block)
    {
        if (!BodyOperations.Of(block).HasFunctions)
        {
            yield return context.GetControlFlowGraph(block);
            yield break;
        }

        var pending = new Stack<ControlFlowGraph>();
        pending.Push(context.GetControlFlowGraph(block));
        while (pending.Count > 0)
        {
            var graph = pending.Pop();
            yield return graph;
            foreach (var localFunction in graph.LocalFunctions)
            {
                pending.Push(graph.GetLocalFunctionControlFlowGraph(localFunction, context.CancellationToken));
            }

            foreach (var operation in OperationsOf(graph))
            {
                foreach (var lambda in operation.DescendantsAndSelf().OfType<IFlowAnonymousFunctionOperation>())
                {
                    pending.Push(graph.GetAnonymousFunctionControlFlowGraph(lambda, context.CancellationToken));
                }
            }
        }
    }

    /// <summary>The top-level operations of every block of the graph, branch values included.</summary>
    public static IEnumerable<IOperation> OperationsOf(ControlFlowGraph graph)
    {
        foreach (var block in graph.Blocks)
        {
            foreach (var operation in block.Operations)
            {
                yield return operation;
            }

            if (block.BranchValue is { } branchValue)
            {
                yield return branchValue;
            }
        }
    }

    /// <summary>Locals used inside a lambda or local function other than the one that declares them: they change at unknown times.</summary>
    public static HashSet<ILocalSymbol> CapturedLocals(IOperation root)
    {
        var captured = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
        var operations = BodyOperations.Of(root);
        if (!operations.HasFunctions)
        {
            return captured;
        }

        foreach (var reference in operations.LocalReferences)
        {
            for (var current = reference.Parent; current is not null; current = current.Parent)
            {
                var function = current switch
                {
                    IAnonymousFunctionOperation lambda => lambda.Symbol,
                    ILocalFunctionOperation localFunction => localFunction.Symbol,
                    _ => null,
                };
                if (function is null)
                {
                    continue;
                }

                if (!SymbolEqualityComparer.Default.Equals(reference.Local.ContainingSymbol, function))
                {
                    captured.Add(reference.Local);
                }

                break;
            }
        }

        return captured;
    }
}
