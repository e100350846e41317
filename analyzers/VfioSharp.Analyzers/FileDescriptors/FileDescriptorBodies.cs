using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace VfioSharp.Analyzers.FileDescriptors;

/// <summary>
/// Runs the flow analyses of this rule over one operation block (a method, constructor, accessor,
/// top-level program or initializer), with the lambdas and local functions nested in it, and only
/// where they can find something: the <c>this</c> flow in instance members of types with fd
/// members, the creation-site flow where the body creates such a type.
/// </summary>
internal static class FileDescriptorBodies
{
    public static void Analyze(OperationBlockAnalysisContext context, FileDescriptorMembers members, FileDescriptorObservations observations)
    {
        var analyzedRoots = new HashSet<IOperation>();
        foreach (var block in context.OperationBlocks)
        {
            var root = OperationShapes.RootOf(block);
            if (!analyzedRoots.Add(root))
            {
                continue;
            }

            RecordInitializer(root, members, observations);
            if (!OperationShapes.HasControlFlowGraph(root))
            {
                continue;
            }

            var followsThis = context.OwningSymbol is IMethodSymbol { IsStatic: false, ContainingType: { } owner }
                              && members.DeclaredByOrInherited(owner);
            var createsInstances = FindCreations(root, members, observations);
            if (!followsThis && !createsInstances)
            {
                continue;
            }

            context.CancellationToken.ThrowIfCancellationRequested();
            var graph = context.GetControlFlowGraph(block);
            var captured = createsInstances ? CapturedVariables(root) : null;
            foreach (var (nested, function) in GraphsWithin(graph, context.OwningSymbol as IMethodSymbol))
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                if (followsThis && function is not null)
                {
                    ThisAssignmentFlow.Analyze(nested, function, members, observations);
                }

                if (captured is not null)
                {
                    CreationSiteFlow.Analyze(nested, context.OwningSymbol, captured, members, observations);
                }
            }
        }
    }

    private static void RecordInitializer(IOperation root, FileDescriptorMembers members, FileDescriptorObservations observations)
    {
        switch (root)
        {
            case IFieldInitializerOperation fieldInitializer:
                foreach (var field in fieldInitializer.InitializedFields)
                {
                    if (members.Contains(field))
                    {
                        observations.InitializerAssigns[field.OriginalDefinition] = !OperationShapes.IsConstantZero(fieldInitializer.Value);
                    }
                }

                break;
            case IPropertyInitializerOperation propertyInitializer:
                foreach (var property in propertyInitializer.InitializedProperties)
                {
                    if (members.Contains(property))
                    {
                        observations.InitializerAssigns[property.OriginalDefinition] = !OperationShapes.IsConstantZero(propertyInitializer.Value);
                    }
                }

                break;
        }
    }

    /// <summary>Whether the body creates an instance of a type with fd members; records each constructor call.</summary>
    private static bool FindCreations(IOperation root, FileDescriptorMembers members, FileDescriptorObservations observations)
    {
        var found = false;
        foreach (var operation in root.DescendantsAndSelf())
        {
            switch (operation)
            {
                case IObjectCreationOperation { Type: INamedTypeSymbol type } creation when !members.InstanceMembersOf(type).IsEmpty:
                    found = true;
                    if (creation.Constructor is { } constructor && !(type.IsValueType && constructor.IsImplicitlyDeclared))
                    {
                        observations.RecordCreation(constructor.OriginalDefinition, creation.Syntax.GetLocation());
                    }

                    break;
                case IDefaultValueOperation { Type: INamedTypeSymbol { IsValueType: true } type } when !members.InstanceMembersOf(type).IsEmpty:
                    found = true;
                    break;
            }
        }

        return found;
    }

    /// <summary>Locals and parameters used inside a lambda or local function other than the one that declares them.</summary>
    private static HashSet<ISymbol> CapturedVariables(IOperation root)
    {
        var captured = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (var operation in root.DescendantsAndSelf())
        {
            var variable = operation switch
            {
                ILocalReferenceOperation local => (ISymbol)local.Local,
                IParameterReferenceOperation parameter => parameter.Parameter,
                _ => null,
            };
            if (variable is null)
            {
                continue;
            }

            var function = OperationShapes.EnclosingFunction(operation);
            if (function is not null && !SymbolEqualityComparer.Default.Equals(variable.ContainingSymbol, function))
            {
                captured.Add(variable);
            }
        }

        return captured;
    }

    /// <summary>The graph and the graphs of the lambdas and local functions nested in it, at any depth.</summary>
    private static IEnumerable<(ControlFlowGraph Graph, IMethodSymbol? Function)> GraphsWithin(ControlFlowGraph graph, IMethodSymbol? function)
    {
        var pending = new Stack<(ControlFlowGraph, IMethodSymbol?)>();
        pending.Push((graph, function));
        while (pending.Count > 0)
        {
            var (current, currentFunction) = pending.Pop();
            yield return (current, currentFunction);
            foreach (var localFunction in current.LocalFunctions)
            {
                pending.Push((current.GetLocalFunctionControlFlowGraph(localFunction), localFunction));
            }

            foreach (var block in current.Blocks)
            {
                var operations = block.BranchValue is null ? block.Operations : block.Operations.Add(block.BranchValue);
                foreach (var lambda in operations.SelectMany(o => o.DescendantsAndSelf()).OfType<IFlowAnonymousFunctionOperation>())
                {
                    pending.Push((current.GetAnonymousFunctionControlFlowGraph(lambda), lambda.Symbol));
                }
            }
        }
    }
}
