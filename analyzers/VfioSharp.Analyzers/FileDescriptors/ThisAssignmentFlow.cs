using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace VfioSharp.Analyzers.FileDescriptors;

/// <summary>
/// Definite assignment of <c>this</c>'s fd members in one body: which members are assigned, and
/// which methods of the same instance are called, on every path. Gives the body's
/// <see cref="ConstructionSummary"/> and, for each read of an fd member through <c>this</c>, the
/// facts that hold before it (a read right after an assignment in the same method can't see 0).
/// </summary>
internal sealed class ThisAssignmentFlow : ForwardDataflow<ImmutableHashSet<ISymbol>>
{
    private static readonly ImmutableHashSet<ISymbol> NoFacts = ImmutableHashSet.Create<ISymbol>(SymbolEqualityComparer.Default);

    private readonly FileDescriptorMembers _members;
    private readonly FileDescriptorObservations _observations;
    private readonly HashSet<CaptureId> _thisCaptures = new();

    // The graph captures a store's target before evaluating a value that branches
    // (`_fd = ok ? a : b`); whether the capture is then read or stored shows only at its use.
    private readonly Dictionary<CaptureId, IOperation> _capturedMembers = new();
    private ImmutableHashSet<ISymbol> _facts = NoFacts;
    private IMethodSymbol? _chainedConstructor;

    private ThisAssignmentFlow(FileDescriptorMembers members, FileDescriptorObservations observations)
    {
        _members = members;
        _observations = observations;
    }

    /// <summary>
    /// Analyzes <paramref name="graph"/>, the body of <paramref name="function"/>, records the facts
    /// before each fd read through <c>this</c>, and, for a summarizable body, its summary.
    /// </summary>
    public static void Analyze(
        ControlFlowGraph graph,
        IMethodSymbol function,
        FileDescriptorMembers members,
        FileDescriptorObservations observations)
    {
        var flow = new ThisAssignmentFlow(members, observations);
        if (!flow.Run(graph, NoFacts))
        {
            return;
        }

        if (function.MethodKind is MethodKind.AnonymousFunction)
        {
            return;
        }

        var definition = function.OriginalDefinition;
        observations.Summaries[definition] = new ConstructionSummary(definition, flow.ExitState, flow._chainedConstructor);
    }

    protected override ImmutableHashSet<ISymbol> Join(ImmutableHashSet<ISymbol> left, ImmutableHashSet<ISymbol> right)
        => left.Intersect(right);

    protected override bool IsSame(ImmutableHashSet<ISymbol> left, ImmutableHashSet<ISymbol> right)
        => left.SetEquals(right);

    protected override ImmutableHashSet<ISymbol>? Transfer(ImmutableHashSet<ISymbol> state, IOperation operation)
    {
        _facts = state;
        Visit(operation);

        // A throw helper ends its path here: the paths that go on are the ones whose facts count.
        return OperationShapes.CallsMethodThatNeverReturns(operation) ? null : _facts;
    }

    private bool IsThis(IOperation? operation)
        => OperationShapes.IsThis(operation)
           || (operation is IFlowCaptureReferenceOperation capture && _thisCaptures.Contains(capture.Id));

    private void Visit(IOperation? operation)
    {
        switch (operation)
        {
            case null:
            case IFlowAnonymousFunctionOperation:
                // Lambda bodies run at some later time, if at all: analyzed as graphs of their own.
                return;

            case IFlowCaptureOperation capture:
                if (IsThis(capture.Value))
                {
                    _thisCaptures.Add(capture.Id);
                }

                if (capture.Value is IFieldReferenceOperation or IPropertyReferenceOperation)
                {
                    _capturedMembers[capture.Id] = capture.Value;
                    VisitTarget(capture.Value);
                    return;
                }

                Visit(capture.Value);
                return;

            case IFlowCaptureReferenceOperation captureReference:
                if (_capturedMembers.TryGetValue(captureReference.Id, out var capturedMember))
                {
                    Read(capturedMember);
                }

                return;

            case ISimpleAssignmentOperation assignment:
                Visit(assignment.Value);
                VisitTarget(assignment.Target);
                if (!OperationShapes.IsConstantZero(assignment.Value))
                {
                    Assign(assignment.Target);
                }

                return;

            case ICompoundAssignmentOperation compound:
                Visit(compound.Value);
                Read(compound.Target);
                Assign(compound.Target);
                return;

            case IIncrementOrDecrementOperation increment:
                Read(increment.Target);
                Assign(increment.Target);
                return;

            case IDeconstructionAssignmentOperation deconstruction:
                Visit(deconstruction.Value);
                AssignDeconstructed(deconstruction.Target);
                return;

            case IAddressOfOperation addressOf:
                Read(addressOf.Reference);
                Assign(addressOf.Reference);
                return;

            case IInvocationOperation invocation:
                VisitInvocation(invocation);
                return;

            case IFieldReferenceOperation or IPropertyReferenceOperation:
                Read(operation);
                return;

            default:
                foreach (var child in operation.ChildOperations)
                {
                    Visit(child);
                }

                return;
        }
    }

    private void VisitInvocation(IInvocationOperation invocation)
    {
        if (!IsThis(invocation.Instance))
        {
            Visit(invocation.Instance);
        }

        foreach (var argument in invocation.Arguments)
        {
            switch (argument.Parameter?.RefKind)
            {
                case RefKind.Out:
                    VisitTarget(argument.Value);
                    Assign(argument.Value);
                    break;
                case RefKind.Ref:
                    Read(argument.Value);
                    Assign(argument.Value);
                    break;
                default:
                    Visit(argument.Value);
                    break;
            }
        }

        var target = invocation.TargetMethod.OriginalDefinition;
        if (IsThis(invocation.Instance))
        {
            if (target.MethodKind == MethodKind.Constructor)
            {
                _chainedConstructor = target;
            }

            _facts = _facts.Add(target);
        }
        else if (target.MethodKind == MethodKind.LocalFunction)
        {
            _facts = _facts.Add(target);
        }
    }

    /// <summary>Evaluates what a store's target needs evaluated first (receivers, indices), without reading the stored member.</summary>
    private void VisitTarget(IOperation target)
    {
        switch (target)
        {
            case IFieldReferenceOperation field:
                if (!IsThis(field.Instance))
                {
                    Visit(field.Instance);
                }

                return;
            case IPropertyReferenceOperation property:
                if (!IsThis(property.Instance))
                {
                    Visit(property.Instance);
                }

                foreach (var argument in property.Arguments)
                {
                    Visit(argument);
                }

                return;
            case ILocalReferenceOperation or IParameterReferenceOperation or IFlowCaptureReferenceOperation:
                return;
            default:
                Visit(target);
                return;
        }
    }

    private IOperation Uncaptured(IOperation target)
        => target is IFlowCaptureReferenceOperation capture && _capturedMembers.TryGetValue(capture.Id, out var member)
            ? member
            : target;

    private void Read(IOperation target)
    {
        switch (Uncaptured(target))
        {
            case IFieldReferenceOperation field when IsThis(field.Instance):
                RecordThisRead(field, field.Field.OriginalDefinition);
                return;
            case IPropertyReferenceOperation property when IsThis(property.Instance):
                var definition = property.Property.OriginalDefinition;
                if (_members.Contains(definition))
                {
                    RecordThisRead(property, definition);
                }
                else if (definition.GetMethod is { } getter)
                {
                    // A getter of the same instance may assign lazily; its summary decides.
                    _facts = _facts.Add(getter);
                }

                foreach (var argument in property.Arguments)
                {
                    Visit(argument);
                }

                return;
            case var other:
                VisitTarget(other);
                return;
        }
    }

    private void RecordThisRead(IOperation reference, ISymbol member)
    {
        if (IsFinalPass && _members.Contains(member))
        {
            _observations.RecordThisReadFacts(reference.Syntax.GetLocation(), _facts);
        }
    }

    private void Assign(IOperation target)
    {
        target = Uncaptured(target);
        var member = OperationShapes.ReferencedMember(target);
        var instance = target switch
        {
            IFieldReferenceOperation field => field.Instance,
            IPropertyReferenceOperation property => property.Instance,
            _ => null,
        };
        if (member is null || !IsThis(instance))
        {
            return;
        }

        if (_members.Contains(member))
        {
            _facts = _facts.Add(member);
        }
        else if (member is IPropertySymbol { SetMethod: { } setter })
        {
            // A setter of the same instance (say `Path = p` that opens the device) assigns what its summary says.
            _facts = _facts.Add(setter);
        }
    }

    private void AssignDeconstructed(IOperation target)
    {
        switch (target)
        {
            case ITupleOperation tuple:
                foreach (var element in tuple.Elements)
                {
                    AssignDeconstructed(element);
                }

                return;
            case IDeclarationExpressionOperation:
                return;
            default:
                VisitTarget(target);
                Assign(target);
                return;
        }
    }
}
