using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>
/// Applies the operations of a basic block, in evaluation order, to one path state: member stores
/// and reads, by-ref and pointer arguments (the callee reads and then fills all of what was passed),
/// ref and pointer locals, and assignments of mode variables. Anything it does not understand reads
/// and opaquely rewrites the storage it touches, which can hide a finding but not invent one.
/// </summary>
internal sealed class PathTransfer
{
    private const int MaximumDepth = 256;

    private readonly GraphContext _context;
    private ModeFacts _facts = ModeFacts.None;
    private FlowState _flow = FlowState.Empty;
    private bool _imprecise;
    private int _depth;

    public PathTransfer(GraphContext context) => _context = context;

    private UnionGeometry Geometry => _context.Geometry;

    public void Load(PathState state)
    {
        _facts = state.Facts;
        _flow = state.Flow;
        _imprecise = state.Imprecise;
        _depth = 0;
    }

    public PathState Save(FinallyContinuation? continuation) => new(_facts, _flow, _imprecise, continuation);

    public ModeFacts Facts => _facts;

    /// <summary>Runs one operation of a block (or a block's branch value) for its effects.</summary>
    public void Apply(IOperation operation, bool valueEscapesByRef = false)
        => Visit(operation, valueEscapesByRef ? Use.Opaque : Use.Value);

    /// <summary>Locals whose scope begins again (a loop body): their old storage and facts are gone.</summary>
    public void EnterScope(ImmutableArray<ILocalSymbol> locals)
    {
        foreach (var local in locals)
        {
            ForgetPointerTarget(local);
            _flow = _flow.Bind(local, null);
            _flow = _flow.Without(_flow.Slots.Keys.Where(s => s.Root.Kind == StorageRootKind.Local && SymbolEqualityComparer.Default.Equals(s.Root.Anchor, local)).ToList());
            _facts = _facts.Forget(new ModeVariable(local, null, isBoolean: false));
        }
    }

    /// <summary>The method returns: what is left in storage that outlives it is read by someone.</summary>
    public void Exit()
    {
        foreach (var slot in _flow.Slots.Keys.ToList())
        {
            if (slot.Root.OutlivesMethod)
            {
                ReadWholeSlot(slot);
            }
        }
    }

    private enum Use
    {
        /// <summary>The value is read as it is (eligible for a punning-read finding).</summary>
        Value,

        /// <summary>Used in a way the analysis does not model: read, and possibly changed.</summary>
        Opaque,
    }

    private void Visit(IOperation? operation, Use use)
    {
        if (operation is null)
        {
            return;
        }

        if (++_depth > MaximumDepth)
        {
            throw new AnalysisAbandonedException();
        }

        try
        {
            VisitCore(operation, use);
        }
        finally
        {
            _depth--;
        }
    }

    private void VisitCore(IOperation operation, Use use)
    {
        switch (operation)
        {
            case ISimpleAssignmentOperation assignment:
                VisitAssignment(assignment);
                return;
            case ICompoundAssignmentOperation compound:
                VisitReadModifyWrite(compound.Target, compound.Value);
                return;
            case ICoalesceAssignmentOperation coalesce:
                VisitReadModifyWrite(coalesce.Target, coalesce.Value);
                return;
            case IIncrementOrDecrementOperation increment:
                VisitReadModifyWrite(increment.Target, null);
                return;
            case IDeconstructionAssignmentOperation deconstruction:
                VisitTargetOperands(deconstruction.Target);
                Visit(deconstruction.Value, Use.Value);
                WriteTarget(deconstruction.Target, null);
                return;
            case IInvocationOperation invocation:
                VisitCall(invocation.Instance, invocation.TargetMethod, invocation.Arguments);
                return;
            case IObjectCreationOperation creation:
                VisitCall(null, creation.Constructor, creation.Arguments);
                Visit(creation.Initializer, Use.Value);
                return;
            case IPropertyReferenceOperation property:
                VisitPropertyGet(property);
                return;
            case IAddressOfOperation addressOf:
                // An address that is neither bound to a pointer local nor passed to a call: whatever
                // uses it later is beyond this analysis.
                VisitChainBase(addressOf.Reference);
                TouchOpaque(Resolve(addressOf.Reference).Storage);
                return;
            case IInlineArrayAccessOperation element:
                VisitChainBase(element);
                Read(Resolve(element.Instance).Storage, null);
                return;
            case IFlowCaptureOperation capture:
                if (_context.StorageCaptures.Contains(capture.Id) && IsAccessChain(capture.Value))
                {
                    // Spilled storage: what happens to it happens where the capture is used.
                    VisitChainBase(capture.Value);
                }
                else if (IsRefExpression(capture.Value))
                {
                    VisitChainBase(capture.Value);
                    TouchOpaque(Resolve(capture.Value).Storage);
                }
                else
                {
                    Visit(capture.Value, Use.Value);
                }

                return;
            case IFlowAnonymousFunctionOperation:
                // Analyzed as a graph of its own; the variables it captures are not tracked here.
                return;
        }

        if (IsFixedBufferElement(operation, out var buffer))
        {
            VisitChainBase(operation);
            Read(Resolve(buffer).Storage, null);
            return;
        }

        if (IsAccessChain(operation))
        {
            VisitChainBase(operation);
            var target = Resolve(operation);
            if (operation is IFlowCaptureReferenceOperation)
            {
                // The value was read when it was captured.
            }
            else if (use == Use.Value)
            {
                Read(target.Storage, operation);
            }
            else
            {
                TouchOpaque(target.Storage);
            }

            return;
        }

        var childUse = ConsumesPlainValues(operation) ? Use.Value : Use.Opaque;
        foreach (var child in operation.ChildOperations)
        {
            Visit(child, childUse);
        }
    }

    private void VisitAssignment(ISimpleAssignmentOperation assignment)
    {
        if (assignment.IsRef)
        {
            VisitChainBase(assignment.Value);
            if (assignment.Target is ILocalReferenceOperation refLocal)
            {
                ForgetPointerTarget(refLocal.Local);
                _flow = _flow.Bind(refLocal.Local, Resolve(assignment.Value).Storage ?? RefTargetOfUnknownOrigin(refLocal.Local, assignment.Value));
            }
            else
            {
                VisitTargetOperands(assignment.Target);
                TouchOpaque(Resolve(assignment.Value).Storage);
            }

            return;
        }

        if (assignment.Target is ILocalReferenceOperation { Local: { IsRef: false, Type: IPointerTypeSymbol } pointerLocal })
        {
            var pointee = ResolvePointerValue(assignment.Value);
            ForgetPointerTarget(pointerLocal);
            _flow = _flow.Bind(pointerLocal, pointee);
            return;
        }

        VisitTargetOperands(assignment.Target);
        Visit(assignment.Value, Use.Value);
        WriteTarget(assignment.Target, assignment.Value);
    }

    private void VisitReadModifyWrite(IOperation target, IOperation? value)
    {
        VisitTargetOperands(target);
        Visit(value, Use.Value);
        if (IsAccessChain(target))
        {
            var resolved = Resolve(target);
            Read(resolved.Storage, target);
            Write(resolved.Storage, DefinitionKind.Store, target);
            ForgetModeVariable(target);
        }
        else
        {
            WriteTarget(target, null);
        }
    }

    /// <summary>Evaluates what the target's location depends on (receivers, indices), not the target itself.</summary>
    private void VisitTargetOperands(IOperation target)
    {
        switch (target)
        {
            case IPropertyReferenceOperation property:
                if (property.Instance is not null && !IsAccessChain(property.Instance))
                {
                    Visit(property.Instance, Use.Value);
                }
                else if (property.Instance is not null)
                {
                    VisitChainBase(property.Instance);
                }

                foreach (var argument in property.Arguments)
                {
                    Visit(argument.Value, Use.Value);
                }

                return;
            case ITupleOperation tuple:
                foreach (var element in tuple.Elements)
                {
                    VisitTargetOperands(element);
                }

                return;
            case IDeclarationExpressionOperation declaration:
                VisitTargetOperands(declaration.Expression);
                return;
            case IArrayElementReferenceOperation arrayElement:
                Visit(arrayElement.ArrayReference, Use.Value);
                foreach (var index in arrayElement.Indices)
                {
                    Visit(index, Use.Value);
                }

                return;
            default:
                if (IsAccessChain(target) || target is IInlineArrayAccessOperation || IsFixedBufferElement(target, out _))
                {
                    VisitChainBase(target);
                }
                else
                {
                    foreach (var child in target.ChildOperations)
                    {
                        Visit(child, Use.Value);
                    }
                }

                return;
        }
    }

    private void WriteTarget(IOperation target, IOperation? value)
    {
        switch (target)
        {
            case ITupleOperation tuple:
                foreach (var element in tuple.Elements)
                {
                    WriteTarget(element, null);
                }

                return;
            case IDeclarationExpressionOperation declaration:
                WriteTarget(declaration.Expression, null);
                return;
            case IPropertyReferenceOperation property:
                // A setter runs on the receiver: it may change any of it, in ways not modeled.
                TouchReceiver(property.Instance, writes: true);
                return;
            case IInlineArrayAccessOperation element:
                Write(Resolve(element.Instance).Storage, DefinitionKind.Opaque, null);
                return;
        }

        if (IsFixedBufferElement(target, out var buffer))
        {
            Write(Resolve(buffer).Storage, DefinitionKind.Opaque, null);
            return;
        }

        if (!IsAccessChain(target))
        {
            return;
        }

        var resolved = Resolve(target);
        if (resolved.Storage is not null)
        {
            Write(resolved.Storage, DefinitionKind.Store, target);
        }
        else if (resolved.Heap is not null)
        {
            ReplaceReference(resolved.Heap);
        }

        var mode = _context.Modes.Resolve(target);
        if (mode is not null && _context.TrackedModes.Contains(mode))
        {
            _facts = value is null ? _facts.Forget(mode) : _facts.Assign(mode, ValueSet.NormalizeConstant(value.ConstantValue.HasValue ? value.ConstantValue.Value : null));
        }
    }

    private void VisitPropertyGet(IPropertyReferenceOperation property)
    {
        if (property.Instance is not null && !IsAccessChain(property.Instance))
        {
            Visit(property.Instance, Use.Value);
        }
        else if (property.Instance is not null)
        {
            VisitChainBase(property.Instance);
        }

        foreach (var argument in property.Arguments)
        {
            Visit(argument.Value, Use.Value);
        }

        TouchReceiver(property.Instance, writes: false);
    }

    private void TouchReceiver(IOperation? instance, bool writes)
    {
        if (instance is null || !IsAccessChain(instance))
        {
            return;
        }

        var resolved = Resolve(instance);
        if (resolved.Storage is not null)
        {
            Read(resolved.Storage, null);
            if (writes)
            {
                Write(resolved.Storage, DefinitionKind.Opaque, null);
            }
        }
        else if (resolved.Heap is not null)
        {
            TouchObject(resolved.Heap);
        }
    }

    private void VisitCall(IOperation? instance, IMethodSymbol? method, ImmutableArray<IArgumentOperation> arguments)
    {
        StorageLocation? receiver = null;
        var receiverWrites = false;
        List<HeapReference>? touchedObjects = null;
        List<HeapReference>? replacedReferences = null;
        List<StorageLocation>? reads = null;
        List<(StorageLocation Storage, IOperation Argument, bool ReadsFirst)>? fills = null;

        if (instance is not null)
        {
            if (IsAccessChain(instance))
            {
                VisitChainBase(instance);
                var resolved = Resolve(instance);
                receiver = resolved.Storage;
                receiverWrites = receiver is not null && !(method?.IsReadOnly ?? false) && !(instance.Type?.IsReadOnly ?? false);
                if (resolved.Heap is not null)
                {
                    (touchedObjects ??= new()).Add(resolved.Heap);
                }
            }
            else
            {
                Visit(instance, Use.Value);
            }
        }

        foreach (var argument in arguments)
        {
            var refKind = argument.Parameter?.RefKind ?? RefKind.None;
            var value = argument.Value;
            if (value is IDeclarationExpressionOperation declaration)
            {
                value = declaration.Expression;
            }

            switch (refKind)
            {
                case RefKind.Ref:
                case RefKind.Out:
                    if (IsAccessChain(value))
                    {
                        VisitChainBase(value);
                        var resolved = Resolve(value);
                        if (resolved.Storage is not null)
                        {
                            (fills ??= new()).Add((resolved.Storage, argument, refKind == RefKind.Ref));
                        }
                        else if (resolved.Heap is not null)
                        {
                            (replacedReferences ??= new()).Add(resolved.Heap);
                        }

                        ForgetModeVariable(value);
                    }
                    else if (value is IInlineArrayAccessOperation || IsFixedBufferElement(value, out _))
                    {
                        VisitChainBase(value);
                        var element = value is IInlineArrayAccessOperation inlineElement ? inlineElement.Instance : FixedBufferOf(value);
                        TouchOpaque(Resolve(element).Storage);
                    }
                    else
                    {
                        Visit(value, Use.Opaque);
                    }

                    break;
                case RefKind.In:
                case RefKindRefReadOnlyParameter:
                    if (IsAccessChain(value))
                    {
                        VisitChainBase(value);
                        var storage = Resolve(value).Storage;
                        if (storage is not null)
                        {
                            (reads ??= new()).Add(storage);
                        }
                    }
                    else
                    {
                        Visit(value, Use.Value);
                    }

                    break;
                default:
                    if (value.Type is IPointerTypeSymbol)
                    {
                        var pointee = ResolvePointerValue(value);
                        if (pointee is not null)
                        {
                            (fills ??= new()).Add((pointee, argument, true));
                        }
                    }
                    else if (IsAccessChain(value) && Resolve(value).Heap is { } heap)
                    {
                        (touchedObjects ??= new()).Add(heap);
                    }
                    else
                    {
                        Visit(value, Use.Value);
                    }

                    break;
            }
        }

        if (method is { MethodKind: MethodKind.LocalFunction or MethodKind.DelegateInvoke })
        {
            // It may run code of this method that sees captured and shared storage.
            TouchEverythingShared();
        }

        // The callee reads what it was given before it writes anything.
        foreach (var storage in reads ?? Enumerable.Empty<StorageLocation>())
        {
            Read(storage, null);
        }

        if (receiver is not null)
        {
            Read(receiver, null);
        }

        foreach (var fill in fills ?? Enumerable.Empty<(StorageLocation, IOperation, bool)>())
        {
            if (fill.Item3)
            {
                Read(fill.Item1, null);
            }
        }

        foreach (var reference in touchedObjects ?? Enumerable.Empty<HeapReference>())
        {
            TouchObject(reference);
        }

        if (receiverWrites)
        {
            Write(receiver, DefinitionKind.Opaque, null);
        }

        foreach (var fill in fills ?? Enumerable.Empty<(StorageLocation, IOperation, bool)>())
        {
            // A callee given storage by ref, out or pointer may fill every member of it (the kernel
            // fills out_data_type behind in_data_type): a store of all of it, through what was passed.
            Write(fill.Item1, DefinitionKind.Store, fill.Item2);
        }

        foreach (var reference in replacedReferences ?? Enumerable.Empty<HeapReference>())
        {
            ReplaceReference(reference);
        }
    }

    // RefKind.RefReadOnlyParameter (C# 12) is newer than the Roslyn floor: compare by value.
    private const RefKind RefKindRefReadOnlyParameter = (RefKind)4;

    private StorageLocation? ResolvePointerValue(IOperation value)
    {
        var stripped = StripPointerWrappers(value);
        switch (stripped)
        {
            case IAddressOfOperation addressOf:
                VisitChainBase(addressOf.Reference);
                return Resolve(addressOf.Reference).Storage;
            case ILocalReferenceOperation or IParameterReferenceOperation:
                return ResolvePointee(stripped);
            default:
                Visit(value, Use.Value);
                return null;
        }
    }

    private static IOperation StripPointerWrappers(IOperation operation)
    {
        while (true)
        {
            switch (operation)
            {
                case IConversionOperation { OperatorMethod: null } conversion:
                    operation = conversion.Operand;
                    continue;
                case { Kind: OperationKind.None } wrapper when SingleChild(wrapper) is IAddressOfOperation inner:
                    // The pinning wrapper of a fixed statement's initializer.
                    operation = inner;
                    continue;
                default:
                    return operation;
            }
        }
    }

    /// <summary>The storage a pointer variable points at: its binding, or an anonymous target that outlives the method.</summary>
    private StorageLocation? ResolvePointee(IOperation pointer)
    {
        switch (pointer)
        {
            case ILocalReferenceOperation { Local: { IsRef: false, Type: IPointerTypeSymbol type } local }:
                if (_flow.Bindings.TryGetValue(local, out var bound))
                {
                    return bound;
                }

                if (!IsTrackableVariable(local))
                {
                    return null;
                }

                return NewRoot(StorageRootKind.PointerTarget, local, type.PointedAtType);
            case IParameterReferenceOperation { Parameter: { RefKind: RefKind.None, Type: IPointerTypeSymbol type } parameter }:
                return IsTrackableVariable(parameter) ? NewRoot(StorageRootKind.PointerTarget, parameter, type.PointedAtType) : null;
            default:
                return null;
        }
    }

    /// <summary>
    /// What a ref local refers to when it is bound to an element of an array or to what a
    /// ref-returning method, property or indexer returns (<c>ref container cfg = ref
    /// vfio_container_create();</c>): storage of its own, like a pointer's unknown target, that
    /// outlives the method. Other ref values (a conditional over two variables) stay untracked.
    /// </summary>
    private StorageLocation? RefTargetOfUnknownOrigin(ILocalSymbol local, IOperation value)
        => value is IInvocationOperation or IArrayElementReferenceOperation or IPropertyReferenceOperation && IsTrackableVariable(local)
            ? NewRoot(StorageRootKind.PointerTarget, local, local.Type)
            : null;

    /// <summary>Storage that can't hold a union is not worth a root (most locals are ints).</summary>
    private StorageLocation? NewRoot(StorageRootKind kind, ISymbol? anchor, ITypeSymbol type)
        => type.IsReferenceType || !Geometry.Catalog.CarriesUnion(type)
            ? null
            : new StorageLocation(new StorageRoot(kind, anchor, ImmutableArray<ISymbol>.Empty, type), ImmutableArray<IFieldSymbol>.Empty, type);

    /// <summary>Variables of an enclosing function, seen from a nested one, are shared with code that runs at unknown times.</summary>
    private bool IsCapturedFromEnclosingFunction(ISymbol symbol)
        => _context.IsNestedFunction && !SymbolEqualityComparer.Default.Equals(symbol.ContainingSymbol, _context.Function);

    /// <summary>A variable of this function captured by a nested one can change at any call: not tracked.</summary>
    private bool IsTrackableVariable(ISymbol symbol) => IsCapturedFromEnclosingFunction(symbol) || !_context.Shape.IsCaptured(symbol);

    private ResolvedTarget Resolve(IOperation? operation)
    {
        switch (operation)
        {
            case ILocalReferenceOperation localReference:
            {
                var local = localReference.Local;
                if (local.IsRef)
                {
                    return new ResolvedTarget(_flow.Bindings.TryGetValue(local, out var bound) ? bound : null, null);
                }

                if (local.Type is IPointerTypeSymbol || !IsTrackableVariable(local))
                {
                    return default;
                }

                if (local.Type.IsReferenceType)
                {
                    return new ResolvedTarget(null, new HeapReference(local, ImmutableArray<ISymbol>.Empty));
                }

                var kind = IsCapturedFromEnclosingFunction(local) ? StorageRootKind.Captured : StorageRootKind.Local;
                return new ResolvedTarget(NewRoot(kind, local, local.Type), null);
            }

            case IParameterReferenceOperation parameterReference:
            {
                var parameter = parameterReference.Parameter;
                if (parameter.Type is IPointerTypeSymbol || !IsTrackableVariable(parameter))
                {
                    return default;
                }

                if (parameter.Type.IsReferenceType)
                {
                    return parameter.RefKind == RefKind.None
                        ? new ResolvedTarget(null, new HeapReference(parameter, ImmutableArray<ISymbol>.Empty))
                        : default;
                }

                var kind = IsCapturedFromEnclosingFunction(parameter) ? StorageRootKind.Captured
                    : parameter.RefKind == RefKind.None ? StorageRootKind.Local
                    : StorageRootKind.CallerStorage;
                return new ResolvedTarget(NewRoot(kind, parameter, parameter.Type), null);
            }

            case IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance } instance when instance.Type is not null:
                return instance.Type.IsReferenceType
                    ? new ResolvedTarget(null, new HeapReference(null, ImmutableArray<ISymbol>.Empty))
                    : new ResolvedTarget(NewRoot(StorageRootKind.CallerStorage, null, instance.Type), null);

            case IFieldReferenceOperation fieldReference:
                return ResolveField(fieldReference);

            case IFlowCaptureReferenceOperation capture:
                if (_context.HeapCaptures.TryGetValue(capture.Id, out var captured) && captured is not null)
                {
                    return new ResolvedTarget(null, captured);
                }

                return _context.StorageCaptures.Contains(capture.Id)
                       && _context.CapturedValues.TryGetValue(capture.Id, out var value)
                       && value is not null and not IFlowCaptureReferenceOperation
                       && IsAccessChain(value)
                    ? Resolve(value)
                    : default;

            default:
                if (operation is not null && IsPointerDereference(operation, out var pointer))
                {
                    var stripped = StripPointerWrappers(pointer);
                    return stripped is IAddressOfOperation addressOf
                        ? Resolve(addressOf.Reference)
                        : new ResolvedTarget(ResolvePointee(stripped), null);
                }

                return default;
        }
    }

    private ResolvedTarget ResolveField(IFieldReferenceOperation fieldReference)
    {
        var field = fieldReference.Field;
        if (field.IsStatic)
        {
            var anchor = new HeapReference(field, ImmutableArray<ISymbol>.Empty);
            return field.Type.IsReferenceType
                ? new ResolvedTarget(null, anchor)
                : new ResolvedTarget(NewFieldRoot(anchor.Anchor, ImmutableArray<ISymbol>.Empty, field.Type), null);
        }

        var instance = Resolve(fieldReference.Instance);
        if (instance.Storage is { } storage)
        {
            if (!field.Type.IsReferenceType)
            {
                return new ResolvedTarget(storage.Append(field), null);
            }

            // A reference kept inside a struct: the object it names is identified by the whole path.
            var chain = storage.Root.Chain.AddRange(storage.Path).Add(field);
            return new ResolvedTarget(null, new HeapReference(storage.Root.Anchor, chain));
        }

        if (instance.Heap is { } heap)
        {
            return field.Type.IsReferenceType
                ? new ResolvedTarget(null, heap.Append(field))
                : new ResolvedTarget(NewFieldRoot(heap.Anchor, heap.Chain.Add(field), field.Type), null);
        }

        return default;
    }

    private StorageLocation? NewFieldRoot(ISymbol? anchor, ImmutableArray<ISymbol> chain, ITypeSymbol type)
        => Geometry.Catalog.CarriesUnion(type)
            ? new StorageLocation(new StorageRoot(StorageRootKind.Field, anchor, chain, type), ImmutableArray<IFieldSymbol>.Empty, type)
            : null;

    /// <summary>Evaluates the parts of an access chain that are not storage (a call returning an object, an index, a pointer expression).</summary>
    private void VisitChainBase(IOperation operation)
    {
        var current = operation;
        while (true)
        {
            switch (current)
            {
                case IFieldReferenceOperation field:
                    if (field.Instance is null)
                    {
                        return;
                    }

                    current = field.Instance;
                    continue;
                case IInlineArrayAccessOperation element:
                    Visit(element.Argument, Use.Value);
                    current = element.Instance;
                    continue;
                case IAddressOfOperation addressOf:
                    current = addressOf.Reference;
                    continue;
                case ILocalReferenceOperation:
                case IParameterReferenceOperation:
                case IInstanceReferenceOperation:
                case IFlowCaptureReferenceOperation:
                    return;
            }

            if (IsPointerDereference(current, out var pointer))
            {
                var stripped = StripPointerWrappers(pointer);
                if (stripped is ILocalReferenceOperation or IParameterReferenceOperation)
                {
                    return;
                }

                if (stripped is IAddressOfOperation addressOf)
                {
                    current = addressOf.Reference;
                    continue;
                }

                Visit(pointer, Use.Value);
                return;
            }

            if (IsFixedBufferElement(current, out var buffer))
            {
                foreach (var child in current.ChildOperations)
                {
                    if (!ReferenceEquals(child, buffer))
                    {
                        Visit(child, Use.Value);
                    }
                }

                current = buffer;
                continue;
            }

            Visit(current, Use.Value);
            return;
        }
    }

    private void Read(StorageLocation? storage, IOperation? readOperation)
    {
        if (storage is null)
        {
            return;
        }

        foreach (var access in Geometry.Decompose(storage))
        {
            Read(access, readOperation);
        }
    }

    private void Read(MemberAccess access, IOperation? readOperation)
    {
        var evidence = _context.Evidence;
        var checkPunning = evidence is not null && readOperation is not null && !access.Members.IsEmpty;
        var outcome = _flow.Get(access.Slot).Read(access, checkPunning, Geometry);
        if (evidence is null)
        {
            return;
        }

        if (outcome.Confirmed is not null && !_imprecise)
        {
            foreach (var pending in outcome.Confirmed)
            {
                evidence.Confirm(pending);
            }
        }

        if (checkPunning)
        {
            evidence.RecordRead(readOperation!, access, _imprecise ? null : outcome.PunningWriter);
        }
    }

    private void ReadWholeSlot(UnionSlot slot)
        => Read(new MemberAccess(slot, ImmutableArray<IFieldSymbol>.Empty, 0, slot.Size), null);

    private void Write(StorageLocation? storage, DefinitionKind kind, IOperation? site)
    {
        if (storage is null)
        {
            return;
        }

        foreach (var access in Geometry.Decompose(storage))
        {
            var storeSite = kind == DefinitionKind.Store && site is not null ? _context.Sites.Get(site, access) : null;
            var effectiveKind = storeSite is null && kind == DefinitionKind.Store ? DefinitionKind.Opaque : kind;
            _flow = _flow.With(access.Slot, _flow.Get(access.Slot).Write(access, effectiveKind, storeSite, Geometry));
        }
    }

    private void TouchOpaque(StorageLocation? storage)
    {
        Read(storage, null);
        Write(storage, DefinitionKind.Opaque, null);
    }

    /// <summary>Code that receives an object may read and change the unions it holds.</summary>
    private void TouchObject(HeapReference reference)
    {
        foreach (var slot in _flow.Slots.Keys.Where(s => s.Root.IsReachedThrough(reference)).ToList())
        {
            ReadWholeSlot(slot);
            _flow = _flow.With(slot, _flow.Get(slot).Write(new MemberAccess(slot, ImmutableArray<IFieldSymbol>.Empty, 0, slot.Size), DefinitionKind.Opaque, null, Geometry));
        }
    }

    private void TouchEverythingShared()
    {
        foreach (var slot in _flow.Slots.Keys.Where(s => s.Root.Kind != StorageRootKind.Local).ToList())
        {
            ReadWholeSlot(slot);
            _flow = _flow.With(slot, _flow.Get(slot).Write(new MemberAccess(slot, ImmutableArray<IFieldSymbol>.Empty, 0, slot.Size), DefinitionKind.Opaque, null, Geometry));
        }
    }

    /// <summary>
    /// A variable or field that held a reference now names another object: the old object's unions
    /// keep their values (they escape) and are no longer reachable by this name.
    /// </summary>
    private void ReplaceReference(HeapReference reference)
    {
        var stale = _flow.Slots.Keys.Where(s => s.Root.IsReachedThrough(reference)).ToList();
        foreach (var slot in stale)
        {
            ReadWholeSlot(slot);
        }

        _flow = _flow.Without(stale).Unbind(target => target.Root.IsReachedThrough(reference));
    }

    private void ForgetPointerTarget(ILocalSymbol local)
    {
        var stale = _flow.Slots.Keys
            .Where(s => s.Root.Kind == StorageRootKind.PointerTarget && SymbolEqualityComparer.Default.Equals(s.Root.Anchor, local))
            .ToList();
        foreach (var slot in stale)
        {
            ReadWholeSlot(slot);
        }

        _flow = _flow.Without(stale);
    }

    private void ForgetModeVariable(IOperation target)
    {
        var mode = _context.Modes.Resolve(target);
        if (mode is not null)
        {
            _facts = _facts.Forget(mode);
        }
    }

    private static bool IsAccessChain(IOperation operation)
        => operation is IFieldReferenceOperation or ILocalReferenceOperation or IParameterReferenceOperation
               or IInstanceReferenceOperation or IFlowCaptureReferenceOperation
           || IsPointerDereference(operation, out _);

    /// <summary><c>*p</c> and <c>p-&gt;</c>: the public operation tree has no kind for them (OperationKind.None).</summary>
    private static bool IsPointerDereference(IOperation operation, out IOperation pointer)
    {
        pointer = null!;
        if (operation.Kind != OperationKind.None || operation.Type is null)
        {
            return false;
        }

        var child = SingleChild(operation);
        if (child?.Type is IPointerTypeSymbol pointerType && SymbolEqualityComparer.Default.Equals(pointerType.PointedAtType, operation.Type))
        {
            pointer = child;
            return true;
        }

        return false;
    }

    /// <summary>An element of a fixed-size buffer, <c>s.data[i]</c> (OperationKind.None over the buffer field and the index).</summary>
    private static bool IsFixedBufferElement(IOperation operation, out IOperation buffer)
    {
        buffer = null!;
        if (operation.Kind != OperationKind.None)
        {
            return false;
        }

        foreach (var child in operation.ChildOperations)
        {
            if (child is IFieldReferenceOperation { Field.IsFixedSizeBuffer: true })
            {
                buffer = child;
                return true;
            }

            return false;
        }

        return false;
    }

    private static IOperation FixedBufferOf(IOperation element) => IsFixedBufferElement(element, out var buffer) ? buffer : element;

    private static IOperation? SingleChild(IOperation operation)
    {
        IOperation? single = null;
        foreach (var child in operation.ChildOperations)
        {
            if (single is not null)
            {
                return null;
            }

            single = child;
        }

        return single;
    }

    /// <summary><c>ref x</c> in a ref conditional: the capture holds a reference, not a value.</summary>
    private static bool IsRefExpression(IOperation value) => value.Syntax.Parent is RefExpressionSyntax;

    /// <summary>Operation kinds whose operands are plain values: reading them is all they do with them.</summary>
    private static bool ConsumesPlainValues(IOperation operation)
    {
        switch (operation.Kind)
        {
            case OperationKind.ExpressionStatement:
            case OperationKind.Conversion:
            case OperationKind.Binary:
            case OperationKind.Unary:
            case OperationKind.Conditional:
            case OperationKind.Coalesce:
            case OperationKind.IsType:
            case OperationKind.IsPattern:
            case OperationKind.IsNull:
            case OperationKind.Return:
            case OperationKind.YieldReturn:
            case OperationKind.Throw:
            case OperationKind.Await:
            case OperationKind.Interpolation:
            case OperationKind.InterpolatedString:
            case OperationKind.InterpolatedStringText:
            case OperationKind.Tuple:
            case OperationKind.ArrayCreation:
            case OperationKind.ArrayInitializer:
            case OperationKind.ArrayElementReference:
            case OperationKind.VariableDeclarationGroup:
            case OperationKind.VariableDeclaration:
            case OperationKind.VariableDeclarator:
            case OperationKind.VariableInitializer:
            case OperationKind.Literal:
            case OperationKind.DefaultValue:
            case OperationKind.TypeOf:
            case OperationKind.SizeOf:
            case OperationKind.NameOf:
            case OperationKind.Discard:
            case OperationKind.Range:
            case OperationKind.DelegateCreation:
            case OperationKind.AnonymousObjectCreation:
            case OperationKind.ObjectOrCollectionInitializer:
            case OperationKind.MemberInitializer:
            case OperationKind.ConstantPattern:
            case OperationKind.RelationalPattern:
            case OperationKind.RecursivePattern:
            case OperationKind.DeclarationPattern:
            case OperationKind.BinaryPattern:
            case OperationKind.NegatedPattern:
            case OperationKind.TypePattern:
            case OperationKind.DiscardPattern:
            case OperationKind.PropertySubpattern:
            case OperationKind.ListPattern:
            case OperationKind.SlicePattern:
            case OperationKind.CaughtException:
            case OperationKind.Branch:
            case OperationKind.Labeled:
            case OperationKind.Empty:
            case OperationKind.End:
            case OperationKind.Stop:
            case OperationKind.Utf8String:
                return true;
            default:
                return false;
        }
    }

    private readonly struct ResolvedTarget
    {
        public ResolvedTarget(StorageLocation? storage, HeapReference? heap)
        {
            Storage = storage;
            Heap = heap;
        }

        /// <summary>Value-type storage that may hold (part of) a union.</summary>
        public StorageLocation? Storage { get; }

        /// <summary>A reference to an object whose struct fields may hold unions.</summary>
        public HeapReference? Heap { get; }
    }
}

/// <summary>Thrown when a graph is too deep or too large to analyze: the graph then reports nothing.</summary>
internal sealed class AnalysisAbandonedException : Exception
{
}
