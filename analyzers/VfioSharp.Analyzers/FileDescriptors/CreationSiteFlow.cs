using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace VfioSharp.Analyzers.FileDescriptors;

/// <summary>
/// Follows the instances that one body creates (<c>new T { ... }</c>, <c>default(T)</c>,
/// <c>new S()</c>) through its locals and parameters, and finds, for each fd member, the reads that
/// some path reaches while no store has yet replaced the 0 the instance was born with.
/// </summary>
/// <remarks>
/// Whether the constructor itself assigns the member is decided later, when every constructor's
/// summary is known: the flow records a read at 0 as a candidate and the verdict drops it when the
/// constructor turns out to assign the member. Anything the flow can't follow ends the tracking of
/// the instance, and is recorded as an escape when the fd may still be 0 there: passing the
/// instance to a method, calling its methods, storing it outside a local, returning it, capturing
/// it in a lambda. A by-ref argument or an address taken counts as a store to every member (the
/// kernel fills structs through ioctl pointers), not as an escape.
/// </remarks>
internal sealed class CreationSiteFlow : ForwardDataflow<CreationSiteState>
{
    private readonly FileDescriptorMembers _members;
    private readonly FileDescriptorObservations _observations;
    private readonly ISymbol _containingSymbol;
    private readonly ISet<ISymbol> _capturedVariables;
    private readonly Dictionary<SyntaxNode, CreationSite> _sitesBySyntax = new();
    private readonly List<CreationSite> _sites = new();

    // The graph captures a member reference before evaluating something that branches
    // (`d.Fd = ok ? a : b`); whether it is then read or stored shows only at the capture's use.
    private readonly Dictionary<CaptureId, IOperation> _capturedMembers = new();
    private CreationSiteState _state = CreationSiteState.Empty;

    private CreationSiteFlow(
        FileDescriptorMembers members,
        FileDescriptorObservations observations,
        ISymbol containingSymbol,
        ISet<ISymbol> capturedVariables)
    {
        _members = members;
        _observations = observations;
        _containingSymbol = containingSymbol;
        _capturedVariables = capturedVariables;
    }

    /// <summary>
    /// Analyzes one graph. <paramref name="capturedVariables"/> are the locals and parameters that a
    /// lambda or local function shares with its enclosing code: they can change behind the flow's
    /// back, so instances stored in them are not followed.
    /// </summary>
    public static void Analyze(
        ControlFlowGraph graph,
        ISymbol containingSymbol,
        ISet<ISymbol> capturedVariables,
        FileDescriptorMembers members,
        FileDescriptorObservations observations)
    {
        new CreationSiteFlow(members, observations, containingSymbol, capturedVariables).Run(graph, CreationSiteState.Empty);
    }

    protected override CreationSiteState Join(CreationSiteState left, CreationSiteState right) => left.Join(right);

    protected override bool IsSame(CreationSiteState left, CreationSiteState right) => left.IsSame(right);

    protected override CreationSiteState Transfer(CreationSiteState state, IOperation operation)
    {
        _state = state;
        Visit(operation);
        return _state;
    }

    private object? SlotOf(IOperation? operation)
    {
        switch (operation is null ? null : OperationShapes.SkipConversions(operation))
        {
            case ILocalReferenceOperation local when !local.Local.IsRef && !_capturedVariables.Contains(local.Local):
                return local.Local;
            case IParameterReferenceOperation parameter when parameter.Parameter.RefKind == RefKind.None
                                                             && !_capturedVariables.Contains(parameter.Parameter):
                return parameter.Parameter;
            case IFlowCaptureReferenceOperation capture when !_capturedMembers.ContainsKey(capture.Id):
                return capture.Id;
            default:
                return null;
        }
    }

    /// <summary>Evaluates a value whose destination the caller handles, and returns the sites it may refer to.</summary>
    private ImmutableHashSet<int> Evaluate(IOperation? value)
    {
        switch (value)
        {
            case null:
                return ImmutableHashSet<int>.Empty;
            case IConversionOperation conversion:
                return Evaluate(conversion.Operand);
            case IObjectCreationOperation creation:
                return Create(creation);
            case IDefaultValueOperation defaultValue when defaultValue.Type is { IsValueType: true } type:
                var zeroed = SiteFor(defaultValue, type, constructor: null);
                if (zeroed is null)
                {
                    return ImmutableHashSet<int>.Empty;
                }

                Born(zeroed);
                return ImmutableHashSet.Create(zeroed.Index);
            case IFlowCaptureReferenceOperation capture when _capturedMembers.TryGetValue(capture.Id, out var member):
                VisitMemberRead(member);
                return ImmutableHashSet<int>.Empty;
            default:
                var slot = SlotOf(value);
                if (slot is not null)
                {
                    return _state.SitesOf(slot);
                }

                Visit(value);
                return ImmutableHashSet<int>.Empty;
        }
    }

    private ImmutableHashSet<int> Create(IObjectCreationOperation creation)
    {
        foreach (var argument in creation.Arguments)
        {
            VisitArgument(argument);
        }

        var constructor = creation.Constructor?.OriginalDefinition;
        var zeroesOnly = creation.Type is { IsValueType: true } && (constructor is null || constructor.IsImplicitlyDeclared);
        var site = creation.Type is null ? null : SiteFor(creation, creation.Type, zeroesOnly ? null : constructor);
        if (site is null)
        {
            Visit(creation.Initializer);
            return ImmutableHashSet<int>.Empty;
        }

        Born(site);
        if (creation.Initializer is { } initializer)
        {
            // The control flow graph lowers initializers to stores through a capture; this handles
            // the shape in case a tree arrives unlowered.
            foreach (var member in initializer.Initializers)
            {
                if (member is ISimpleAssignmentOperation { Target: var target } store
                    && OperationShapes.ReferencedMember(target) is { } assigned)
                {
                    EscapeValue(store.Value);
                    if (!OperationShapes.IsConstantZero(store.Value))
                    {
                        KillMember(ImmutableHashSet.Create(site.Index), assigned);
                    }
                }
                else
                {
                    Visit(member);
                }
            }
        }

        return ImmutableHashSet.Create(site.Index);
    }

    private CreationSite? SiteFor(IOperation operation, ITypeSymbol type, IMethodSymbol? constructor)
    {
        if (_sitesBySyntax.TryGetValue(operation.Syntax, out var existing))
        {
            return existing;
        }

        if (type is not INamedTypeSymbol named)
        {
            return null;
        }

        var members = _members.InstanceMembersOf(named);
        if (members.IsEmpty)
        {
            return null;
        }

        var site = new CreationSite(_sites.Count, named, constructor, members, operation.Syntax, _containingSymbol);
        _sites.Add(site);
        _sitesBySyntax.Add(operation.Syntax, site);
        return site;
    }

    private void Born(CreationSite site)
    {
        var zero = _state.MayBeZero.ToBuilder();
        for (var member = 0; member < site.Members.Length; member++)
        {
            zero.Add(CreationSiteState.Key(site.Index, member));
        }

        _state = _state.WithZero(zero.ToImmutable());
    }

    private void Visit(IOperation? operation)
    {
        switch (operation)
        {
            case null:
            case IFlowAnonymousFunctionOperation:
                return;

            case IFlowCaptureOperation { Value: IFieldReferenceOperation or IPropertyReferenceOperation } memberCapture:
                _capturedMembers[memberCapture.Id] = memberCapture.Value;
                EvaluateReceiver(memberCapture.Value);
                return;

            case IFlowCaptureOperation capture:
                var captured = Evaluate(capture.Value);
                _state = _state.WithSlot(capture.Id, captured);
                return;

            case ISimpleAssignmentOperation assignment:
                VisitAssignment(assignment);
                return;

            case ICompoundAssignmentOperation compound:
                Visit(compound.Value);
                ReadAndStore(compound.Target);
                return;

            case IIncrementOrDecrementOperation increment:
                ReadAndStore(increment.Target);
                return;

            case IDeconstructionAssignmentOperation deconstruction:
                EscapeValue(deconstruction.Value);
                StoreDeconstructed(deconstruction.Target);
                return;

            case IInvocationOperation invocation:
                if (SlotOf(invocation.Instance) is { } receiver)
                {
                    Escape(receiver, invocation);
                }
                else
                {
                    EscapeValue(invocation.Instance);
                }

                foreach (var argument in invocation.Arguments)
                {
                    VisitArgument(argument);
                }

                return;

            case IArgumentOperation argument:
                VisitArgument(argument);
                return;

            case IFieldReferenceOperation or IPropertyReferenceOperation:
                VisitMemberRead(operation);
                return;

            case IIsNullOperation isNull:
                if (SlotOf(isNull.Operand) is null)
                {
                    EscapeValue(isNull.Operand);
                }

                return;

            case IBinaryOperation binary:
                // Comparing a reference (d == null) neither reads its fd nor hands it on.
                foreach (var operand in new[] { binary.LeftOperand, binary.RightOperand })
                {
                    if (SlotOf(operand) is null)
                    {
                        EscapeValue(operand);
                    }
                }

                return;

            case IAddressOfOperation addressOf:
                if (SlotOf(addressOf.Reference) is { } addressed)
                {
                    StoreEverything(addressed);
                }
                else if (MemberStore(addressOf.Reference) is { } addressedMember)
                {
                    KillMember(_state.SitesOf(addressedMember.Slot), addressedMember.Member);
                }
                else
                {
                    Visit(addressOf.Reference);
                }

                return;

            case IDeclarationPatternOperation { DeclaredSymbol: { } declared }:
                Forget(declared);
                return;

            case IRecursivePatternOperation recursive:
                if (recursive.DeclaredSymbol is { } recursiveDeclared)
                {
                    Forget(recursiveDeclared);
                }

                VisitChildren(recursive);
                return;

            default:
                VisitChildren(operation);
                return;
        }
    }

    private void VisitChildren(IOperation operation)
    {
        foreach (var child in operation.ChildOperations)
        {
            EscapeValue(child);
        }
    }

    private void VisitAssignment(ISimpleAssignmentOperation assignment)
    {
        if (assignment.IsRef)
        {
            // A ref alias can write the instance behind the flow's back.
            if (SlotOf(assignment.Value) is { } aliased)
            {
                Escape(aliased, assignment);
            }
            else
            {
                Visit(assignment.Value);
            }

            Forget(assignment.Target);
            return;
        }

        if (SlotOf(assignment.Target) is { } targetSlot)
        {
            // Evaluate first: it may create a site, which changes _state.
            var sites = Evaluate(assignment.Value);
            _state = _state.WithSlot(targetSlot, sites);
            return;
        }

        if (MemberStore(assignment.Target) is { } store)
        {
            var (slot, member) = store;
            EscapeValue(assignment.Value);
            if (_members.Contains(member))
            {
                if (!OperationShapes.IsConstantZero(assignment.Value))
                {
                    KillMember(_state.SitesOf(slot), member);
                }
            }
            else if (member is IPropertySymbol property && !_members.IsAutoProperty(property))
            {
                // A setter with a body may open the device and assign the fd itself, or may not.
                Escape(slot, assignment);
            }

            if (assignment.Target is IPropertyReferenceOperation indexer)
            {
                foreach (var argument in indexer.Arguments)
                {
                    VisitArgument(argument);
                }
            }

            return;
        }

        EscapeValue(assignment.Value);
        VisitStoreTarget(assignment.Target);
    }

    private void ReadAndStore(IOperation target)
    {
        if (MemberStore(target) is { } store)
        {
            var (slot, member) = store;
            if (_members.Contains(member))
            {
                Read(slot, member, target);
                KillMember(_state.SitesOf(slot), member);
            }

            return;
        }

        VisitStoreTarget(target);
        Forget(target);
    }

    private void StoreDeconstructed(IOperation target)
    {
        switch (target)
        {
            case ITupleOperation tuple:
                foreach (var element in tuple.Elements)
                {
                    StoreDeconstructed(element);
                }

                return;
            case IDeclarationExpressionOperation declaration:
                StoreDeconstructed(declaration.Expression);
                return;
            default:
                if (MemberStore(target) is { } store)
                {
                    KillMember(_state.SitesOf(store.Slot), store.Member);
                    return;
                }

                VisitStoreTarget(target);
                Forget(target);
                return;
        }
    }

    /// <summary>Evaluates the parts of a store target that are read (receivers, indices) when the target is not a member of a followed instance.</summary>
    private void VisitStoreTarget(IOperation target)
    {
        switch (target)
        {
            case ILocalReferenceOperation or IParameterReferenceOperation or IFlowCaptureReferenceOperation:
                return;
            case IFieldReferenceOperation field:
                if (SlotOf(field.Instance) is { } fieldOwner)
                {
                    // A store into a struct member of a followed struct (d.Inner.x = 1): the member
                    // chain is not followed, so the instance stops being followed.
                    StoreEverything(fieldOwner);
                }
                else
                {
                    Visit(field.Instance);
                }

                return;
            default:
                VisitChildren(target);
                return;
        }
    }

    private void VisitArgument(IArgumentOperation argument)
    {
        var refKind = argument.Parameter?.RefKind ?? RefKind.None;
        if (SlotOf(argument.Value) is { } slot)
        {
            switch (refKind)
            {
                case RefKind.Out:
                    StoreEverything(slot);
                    Forget(slot);
                    break;
                case RefKind.Ref:
                    StoreEverything(slot);
                    break;
                default:
                    Escape(slot, argument);
                    break;
            }

            return;
        }

        if (refKind is RefKind.Out or RefKind.Ref && MemberStore(argument.Value) is { } passed)
        {
            var (owner, member) = passed;
            if (refKind == RefKind.Ref && _members.Contains(member))
            {
                Read(owner, member, argument.Value);
            }

            KillMember(_state.SitesOf(owner), member);
            return;
        }

        EscapeValue(argument.Value);
    }

    private void VisitMemberRead(IOperation reference)
    {
        var member = OperationShapes.ReferencedMember(reference);
        var instance = reference is IFieldReferenceOperation field ? field.Instance : ((IPropertyReferenceOperation)reference).Instance;
        if (member is not null && SlotOf(instance) is { } slot)
        {
            if (_members.Contains(member))
            {
                Read(slot, member, reference);
            }
        }
        else if (member is not null && _members.Contains(member))
        {
            // `new DeviceFds().Fd`: a member of a temporary is read without the temporary escaping.
            ReadSites(Evaluate(instance), member, reference);
        }
        else
        {
            EscapeValue(instance);
        }

        if (reference is IPropertyReferenceOperation property)
        {
            foreach (var argument in property.Arguments)
            {
                VisitArgument(argument);
            }
        }
    }

    /// <summary>Evaluates what a member reference needs before the member is read or stored: its receiver and indices.</summary>
    private void EvaluateReceiver(IOperation reference)
    {
        var instance = reference is IFieldReferenceOperation field ? field.Instance : ((IPropertyReferenceOperation)reference).Instance;
        if (SlotOf(instance) is null)
        {
            EscapeValue(instance);
        }

        if (reference is IPropertyReferenceOperation property)
        {
            foreach (var argument in property.Arguments)
            {
                VisitArgument(argument);
            }
        }
    }

    /// <summary>The followed slot and member when <paramref name="target"/> is <c>slot.member</c>.</summary>
    private (object Slot, ISymbol Member)? MemberStore(IOperation target)
    {
        if (target is IFlowCaptureReferenceOperation capture && _capturedMembers.TryGetValue(capture.Id, out var captured))
        {
            target = captured;
        }

        var instance = target switch
        {
            IFieldReferenceOperation field => field.Instance,
            IPropertyReferenceOperation property => property.Instance,
            _ => null,
        };
        var member = OperationShapes.ReferencedMember(target);
        return member is not null && SlotOf(instance) is { } slot ? (slot, member) : null;
    }

    private void Read(object slot, ISymbol member, IOperation reference) => ReadSites(_state.SitesOf(slot), member, reference);

    private void ReadSites(ImmutableHashSet<int> sites, ISymbol member, IOperation reference)
    {
        if (sites.IsEmpty)
        {
            return;
        }

        var atZero = false;
        foreach (var index in sites)
        {
            var site = _sites[index];
            var memberIndex = site.Members.IndexOf(member, SymbolEqualityComparer.Default);
            if (memberIndex >= 0 && _state.MayBeZero.Contains(CreationSiteState.Key(index, memberIndex)))
            {
                atZero = true;
                if (IsFinalPass)
                {
                    _observations.ReadsAtZero.Add(new SiteFinding(site, member, reference.Syntax.GetLocation()));
                }
            }
        }

        if (!atZero && IsFinalPass)
        {
            _observations.AssignedReads[reference.Syntax.GetLocation()] = true;
        }
    }

    private void KillMember(ImmutableHashSet<int> sites, ISymbol member)
    {
        var zero = _state.MayBeZero;
        foreach (var index in sites)
        {
            var memberIndex = _sites[index].Members.IndexOf(member, SymbolEqualityComparer.Default);
            if (memberIndex >= 0)
            {
                zero = zero.Remove(CreationSiteState.Key(index, memberIndex));
            }
        }

        _state = _state.WithZero(zero);
    }

    /// <summary>The instance's memory may be written wholesale (by ref, through a pointer): nothing is known to be 0 any more.</summary>
    private void StoreEverything(object slot)
    {
        var sites = _state.SitesOf(slot);
        if (!sites.IsEmpty)
        {
            _state = _state.WithZero(_state.MayBeZero.Except(KeysOf(sites)));
        }
    }

    private void EscapeValue(IOperation? value)
    {
        if (value is null)
        {
            return;
        }

        var sites = Evaluate(value);
        if (!sites.IsEmpty)
        {
            EscapeSites(sites, value);
        }
    }

    private void Escape(object slot, IOperation at) => EscapeSites(_state.SitesOf(slot), at);

    private void EscapeSites(ImmutableHashSet<int> sites, IOperation at)
    {
        if (sites.IsEmpty)
        {
            return;
        }

        var keys = KeysOf(sites);
        if (IsFinalPass)
        {
            foreach (var key in keys)
            {
                if (_state.MayBeZero.Contains(key))
                {
                    var site = _sites[CreationSiteState.SiteOf(key)];
                    _observations.EscapesAtZero.Add(new SiteFinding(site, site.Members[CreationSiteState.MemberOf(key)], at.Syntax.GetLocation()));
                }
            }
        }

        _state = _state.WithZero(_state.MayBeZero.Except(keys));
    }

    private List<long> KeysOf(ImmutableHashSet<int> sites)
    {
        var keys = new List<long>();
        foreach (var index in sites)
        {
            for (var member = 0; member < _sites[index].Members.Length; member++)
            {
                keys.Add(CreationSiteState.Key(index, member));
            }
        }

        return keys;
    }

    private void Forget(IOperation target)
    {
        if (SlotOf(target) is { } slot)
        {
            Forget(slot);
        }
    }

    private void Forget(object slot) => _state = _state.WithSlot(slot, ImmutableHashSet<int>.Empty);
}
