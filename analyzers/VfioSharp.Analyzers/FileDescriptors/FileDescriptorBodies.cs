using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using VfioSharp.Analyzers.Bodies;

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
        // Most members have one block; only then is no set of the roots already analyzed needed.
        var blocks = context.OperationBlocks;
        var analyzedRoots = blocks.Length > 1 ? new HashSet<IOperation>() : null;
        foreach (var block in blocks)
        {
            var root = OperationShapes.RootOf(block);
            if (analyzedRoots is not null && !analyzedRoots.Add(root))
            {
                continue;
            }

            RecordInitializer(root, members, observations);

            // One walk gathers the flow-insensitive observations and decides whether a flow can
            // find anything; most bodies of a driver end here, without a control flow graph.
            var survey = Survey(root, members, observations);
            if (!OperationShapes.HasControlFlowGraph(root))
            {
                continue;
            }

            var followsThis = context.OwningSymbol is IMethodSymbol { IsStatic: false, ContainingType: { } owner } method
                              && members.DeclaredByOrInherited(owner)
                              && (method.MethodKind == MethodKind.Constructor || survey.TouchesThisState);
            if (!followsThis && !survey.CreatesInstances)
            {
                continue;
            }

            context.CancellationToken.ThrowIfCancellationRequested();
            var graph = context.GetControlFlowGraph(block);
            var captured = survey.CreatesInstances ? CapturedVariables(root) : null;
            foreach (var (nested, function) in GraphsWithin(graph, context.OwningSymbol as IMethodSymbol, BodyOperations.Of(root).HasFunctions))
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

    /// <summary>What one walk of a body found.</summary>
    private readonly struct BodySurvey
    {
        public BodySurvey(bool touchesThisState, bool createsInstances)
        {
            TouchesThisState = touchesThisState;
            CreatesInstances = createsInstances;
        }

        /// <summary>
        /// Whether the body references an fd member, calls a method or property of its own
        /// instance, or may never return normally: without any of these its summary is "assigns nothing" and it reads
        /// no fd through <c>this</c>, which is what the verdict assumes of a body with no summary.
        /// </summary>
        public bool TouchesThisState { get; }

        /// <summary>Whether the body creates an instance of a type with fd members.</summary>
        public bool CreatesInstances { get; }
    }

    /// <summary>
    /// Walks the body once: records reads, stores and opaque uses of fd members and constructor
    /// calls of types with fd members, and says which flows the body needs.
    /// </summary>
    private static BodySurvey Survey(IOperation root, FileDescriptorMembers members, FileDescriptorObservations observations)
    {
        var operations = BodyOperations.Of(root);
        // A body that throws and never returns has the vacuous summary "assigns everything".
        var touchesThisState = operations.Throws && !operations.HasExplicitReturn;
        foreach (var field in operations.FieldReferences)
        {
            if (members.Contains(field.Field))
            {
                touchesThisState = true;
                MemberAccessObserver.ObserveReference(field, members, observations);
            }
        }

        foreach (var property in operations.PropertyReferences)
        {
            if (members.Contains(property.Property))
            {
                touchesThisState = true;
                MemberAccessObserver.ObserveReference(property, members, observations);
            }
            else if (OperationShapes.IsThis(property.Instance))
            {
                touchesThisState = true;
            }
        }

        foreach (var invocation in operations.Invocations)
        {
            touchesThisState |= OperationShapes.IsThis(invocation.Instance);
            MemberAccessObserver.ObserveOpaqueUse(invocation, members, observations);
        }

        foreach (var argument in operations.Arguments)
        {
            MemberAccessObserver.ObserveOpaqueUse(argument, members, observations);
        }

        foreach (var addressUse in operations.AddressUses)
        {
            MemberAccessObserver.ObserveOpaqueUse(addressUse, members, observations);
        }

        var createsInstances = false;
        foreach (var creation in operations.ObjectCreations)
        {
            if (creation.Type is INamedTypeSymbol type && !members.InstanceMembersOf(type).IsEmpty)
            {
                createsInstances = true;
                if (creation.Constructor is { } constructor && !(type.IsValueType && constructor.IsImplicitlyDeclared))
                {
                    observations.RecordCreation(constructor.OriginalDefinition, creation.Syntax.GetLocation());
                }
            }
        }

        foreach (var defaultValue in operations.DefaultValues)
        {
            createsInstances |= defaultValue.Type is INamedTypeSymbol { IsValueType: true } type && !members.InstanceMembersOf(type).IsEmpty;
        }

        return new BodySurvey(touchesThisState, createsInstances);
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

    /// <summary>Locals and parameters used inside a lambda or local function other than the one that declares them.</summary>
    private static HashSet<ISymbol> CapturedVariables(IOperation root)
    {
        var captured = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        var operations = BodyOperations.Of(root);
        if (!operations.HasFunctions)
        {
            return captured;
        }

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
    private static IEnumerable<(ControlFlowGraph Graph, IMethodSymbol? Function)> GraphsWithin(ControlFlowGraph graph, IMethodSymbol? function, bool hasFunctions)
    {
        if (!hasFunctions)
        {
            yield return (graph, function);
            yield break;
        }

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
