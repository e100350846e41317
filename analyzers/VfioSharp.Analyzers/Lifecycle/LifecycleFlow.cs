using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using VfioSharp.Analyzers.Bodies;
using VfioSharp.Analyzers.Ioctls;

namespace VfioSharp.Analyzers.Lifecycle;

/// <summary>
/// Forward dataflow over one control flow graph: for every local of a state-machine type, the set of
/// states it may be in at each point. A local is known from its creation (a constructor: the initial
/// state; a factory with <c>[ReturnsState]</c>) and follows the <c>[TransitionsTo]</c> of the calls made on
/// it; anything else that could change it unseen — passing it to a call, copying it, capturing it —
/// makes it unknown. A call is reported only when no state the local may be in allows it, so an unknown
/// local is never reported.
/// </summary>
internal sealed class LifecycleFlow : LocalStateFlow<ulong>
{
    private readonly StateMachines _machines;
    private readonly HashSet<ILocalSymbol> _excluded;
    private readonly List<LifecycleViolation> _violations = new();

    private LifecycleFlow(ControlFlowGraph graph, StateMachines machines, HashSet<ILocalSymbol> excluded)
        : base(graph)
    {
        _machines = machines;
        _excluded = excluded;
    }

    /// <summary>The calls made in a state that doesn't allow them, in graph order.</summary>
    public static List<LifecycleViolation> Violations(ControlFlowGraph graph, StateMachines machines, HashSet<ILocalSymbol> captured, CancellationToken cancellationToken)
    {
        var flow = new LifecycleFlow(graph, machines, captured);
        flow.Run(cancellationToken);
        return flow._violations;
    }

    /// <summary>The join of the predecessors' exits; null while none has been computed (unreachable so far).</summary>
    protected override Dictionary<ILocalSymbol, ulong>? Entry(BasicBlock block)
    {
        if (block.Kind == BasicBlockKind.Entry || block.Predecessors.IsEmpty)
        {
            // The method's start, or the start of a catch or finally region, which the graph enters without a
            // branch: nothing is known there.
            return EmptyState();
        }

        Dictionary<ILocalSymbol, ulong>? joined = null;
        foreach (var predecessor in block.Predecessors)
        {
            if (!TryGetExit(predecessor.Source, out var exit))
            {
                continue;
            }

            if (joined is null)
            {
                joined = new Dictionary<ILocalSymbol, ulong>(exit, SymbolEqualityComparer.Default);
                continue;
            }

            foreach (var local in joined.Keys.ToList())
            {
                if (exit.TryGetValue(local, out var other))
                {
                    joined[local] |= other;
                }
                else
                {
                    joined.Remove(local);
                }
            }
        }

        return joined;
    }

    protected override void Apply(IOperation operation, Dictionary<ILocalSymbol, ulong> state)
    {
        switch (operation)
        {
            case ILocalReferenceOperation reference when Tracked(reference.Local) && Escapes(reference):
                state.Remove(reference.Local);
                break;
            case IInvocationOperation invocation when Receiver(invocation.Instance) is { } local:
                // By name, as the runtime checks: IDisposable.Dispose reached through `using` is the type's Dispose.
                Call(invocation, local, invocation.TargetMethod.Name, state);
                break;
            case IPropertyReferenceOperation property when Receiver(property.Instance) is { } local:
                Call(property, local, property.Property.Name, state);
                break;
            case ISimpleAssignmentOperation { IsRef: false, Target: ILocalReferenceOperation { Local: var target } } assignment when Tracked(target):
                var created = Created(assignment.Value, target.Type);
                if (created is { } mask)
                {
                    state[target] = mask;
                }
                else
                {
                    state.Remove(target);
                }

                break;
        }
    }

    private void Call(IOperation call, ILocalSymbol local, string member, Dictionary<ILocalSymbol, ulong> state)
    {
        if (_machines.Of(local.Type) is not { } machine || !machine.TryGetRule(member, out var rule))
        {
            return;
        }

        if (!state.TryGetValue(local, out var possible))
        {
            possible = StateMask.Unknown;
        }
        else if ((possible & rule.Allowed) == 0)
        {
            if (IsReporting)
            {
                _violations.Add(new LifecycleViolation(call, local, member, machine, possible, rule));
            }

            // The call throws at run time; nothing is known on the path that goes on as if it hadn't:
            // one diagnostic per mistake.
            state.Remove(local);
            return;
        }

        var after = rule.Next ?? (possible & rule.Allowed);
        if (after == StateMask.Unknown || after == 0)
        {
            state.Remove(local);
        }
        else
        {
            state[local] = after;
        }
    }

    /// <summary>The mask a value of a state-machine type starts with, or null when nothing is known of it.</summary>
    private ulong? Created(IOperation value, ITypeSymbol type)
    {
        value = OperationValues.SkipConversions(value);
        return value switch
        {
            IObjectCreationOperation creation when _machines.Of(creation.Type) is { } machine => machine.Initial,
            IInvocationOperation invocation => _machines.Returned(invocation.TargetMethod),
            IPropertyReferenceOperation property => _machines.Returned(property.Property),
            _ => null,
        };
    }

    private ILocalSymbol? Receiver(IOperation? instance)
        => instance is not null && OperationValues.SkipConversions(instance) is ILocalReferenceOperation { Local: var local } && Tracked(local) ? local : null;

    private bool Tracked(ILocalSymbol local) => !local.IsRef && !_excluded.Contains(local) && _machines.Of(local.Type) is not null;

    /// <summary>Whether a read of the local lets something else change it unseen (anything but a call on it or a store to it).</summary>
    private static bool Escapes(ILocalReferenceOperation reference)
    {
        IOperation current = reference;
        while (current.Parent is IConversionOperation { OperatorMethod: null } conversion)
        {
            current = conversion;
        }

        return current.Parent switch
        {
            IInvocationOperation invocation => !ReferenceEquals(invocation.Instance, current),
            IPropertyReferenceOperation property => !ReferenceEquals(property.Instance, current),
            ISimpleAssignmentOperation assignment => !ReferenceEquals(assignment.Target, current),
            IIsNullOperation or IIsPatternOperation or IBinaryOperation => false,
            _ => true,
        };
    }
}
