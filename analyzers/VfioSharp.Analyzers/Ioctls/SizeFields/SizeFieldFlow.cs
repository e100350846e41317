using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using VfioSharp.Analyzers.FileDescriptors;

namespace VfioSharp.Analyzers.Ioctls.SizeFields;

/// <summary>The tracked records whose size field may be unset at a point: bit i for record i.</summary>
internal sealed class UnsetRecords
{
    public static readonly UnsetRecords None = new(0);

    public UnsetRecords(ulong bits)
    {
        Bits = bits;
    }

    public ulong Bits { get; }
}

/// <summary>One raw call that can reach the kernel with its record's size field unset.</summary>
internal sealed class UnsetSizeFinding
{
    public UnsetSizeFinding(RawIoctlCall call, TrackedRecord record, ImmutableArray<IFieldSymbol> descent)
    {
        Call = call;
        Record = record;
        Descent = descent;
    }

    public RawIoctlCall Call { get; }

    public TrackedRecord Record { get; }

    /// <summary>The first fields walked from the passed storage to the record that has the size field (a buffer that begins with it).</summary>
    public ImmutableArray<IFieldSymbol> Descent { get; }
}

/// <summary>
/// VFIO005's flow over one control flow graph: a may-analysis of "the size field of this record is
/// unset". A struct local starts unset; <c>new T()</c>, <c>default</c> and <c>stackalloc</c> make it
/// unset again; a store to the size field sets it, and so does anything the analysis can't see
/// through — a store of another value into the whole record, passing it (or the size field) by
/// <c>ref</c>, <c>out</c> or pointer, a method call on it. The raw call itself hands the record to the
/// kernel: it is checked, then counts as set. Object initializers are lowered by the graph into
/// stores on a capture, followed like a record of their own.
/// </summary>
internal sealed class SizeFieldFlow : ForwardDataflow<UnsetRecords>
{
    private const int MaxRecords = 64;
    private const int MaxDepth = 4;

    private readonly ControlFlowGraph _graph;
    private readonly IoctlRequestCatalog _catalog;
    private readonly HashSet<ILocalSymbol> _captured;
    private readonly LocalDefinitions _definitions;
    private readonly Dictionary<CaptureId, IOperation?> _captures = new();
    private readonly List<TrackedRecord> _records = new();
    private readonly Dictionary<IInvocationOperation, (RawIoctlCall Call, int Record, ImmutableArray<IFieldSymbol> Descent)> _calls = new();
    private readonly Dictionary<ILocalSymbol, RecordSlot?> _aliases = new(SymbolEqualityComparer.Default);
    private readonly List<UnsetSizeFinding> _findings = new();
    private ulong _state;

    private SizeFieldFlow(ControlFlowGraph graph, IoctlRequestCatalog catalog, HashSet<ILocalSymbol> captured)
    {
        _graph = graph;
        _catalog = catalog;
        _captured = captured;
        var operations = new List<IOperation>(FlowGraphs.OperationsOf(graph));
        _definitions = LocalDefinitions.Of(operations);
        foreach (var operation in operations)
        {
            foreach (var descendant in operation.DescendantsAndSelf())
            {
                if (descendant is IFlowCaptureOperation capture)
                {
                    _captures[capture.Id] = _captures.ContainsKey(capture.Id) ? null : capture.Value;
                }
            }
        }
    }

    /// <summary>The raw calls of <paramref name="graph"/> that may pass a record whose size field is unset.</summary>
    public static IReadOnlyList<UnsetSizeFinding> Analyze(ControlFlowGraph graph, IoctlRequestCatalog catalog, HashSet<ILocalSymbol> captured)
    {
        var flow = new SizeFieldFlow(graph, catalog, captured);
        if (!flow.FindRecords())
        {
            return [];
        }

        var entry = 0UL;
        for (var i = 0; i < flow._records.Count; i++)
        {
            if (flow._records[i].Slot.Kind == SlotRootKind.Local)
            {
                entry |= 1UL << i;
            }
        }

        return flow.Run(graph, new UnsetRecords(entry)) ? flow._findings : [];
    }

    /// <inheritdoc/>
    protected override UnsetRecords Join(UnsetRecords left, UnsetRecords right)
        => left.Bits == right.Bits ? left : new UnsetRecords(left.Bits | right.Bits);

    /// <inheritdoc/>
    protected override bool IsSame(UnsetRecords left, UnsetRecords right) => left.Bits == right.Bits;

    /// <inheritdoc/>
    protected override UnsetRecords Transfer(UnsetRecords state, IOperation operation)
    {
        _state = state.Bits;
        Visit(operation);
        return _state == state.Bits ? state : new UnsetRecords(_state);
    }

    /// <summary>Finds the raw calls with a size field and the records they pass; false when there are none.</summary>
    private bool FindRecords()
    {
        foreach (var operation in FlowGraphs.OperationsOf(_graph))
        {
            foreach (var descendant in operation.DescendantsAndSelf())
            {
                if (descendant is not IInvocationOperation invocation
                    || RawIoctlCall.Match(invocation, _catalog) is not { Request: { SizeField: { } sizeField, TakesPointer: true } request, Argument: { } argument } call)
                {
                    continue;
                }

                var slot = argument.Parameter is { RefKind: not RefKind.None } ? Resolve(argument.Value, 0) : ResolvePointee(argument.Value, 0);
                if (slot is null || Descend(slot, request, sizeField) is not { } descent)
                {
                    continue;
                }

                var index = RecordIndex(slot.Concat(descent), sizeField);
                if (index >= 0)
                {
                    _calls[invocation] = (call, index, descent);
                }
            }
        }

        if (_calls.Count == 0)
        {
            return false;
        }

        // An object initializer's instance lives in a capture until it is stored: follow the capture too.
        for (var added = true; added;)
        {
            added = false;
            foreach (var operation in FlowGraphs.OperationsOf(_graph))
            {
                foreach (var descendant in operation.DescendantsAndSelf())
                {
                    if (descendant is not ISimpleAssignmentOperation { IsRef: false } assignment
                        || OperationValues.SkipConversions(assignment.Value) is not IFlowCaptureReferenceOperation value
                        || !IsValueCapture(value.Id)
                        || Resolve(assignment.Target, 0) is not { } target)
                    {
                        continue;
                    }

                    foreach (var record in _records.ToArray())
                    {
                        if (target.Contains(record.Slot)
                            && FindRecord(RecordSlot.Captured(value.Id).Concat(Suffix(record.Slot, target)), record.SizeField) < 0)
                        {
                            added |= RecordIndex(RecordSlot.Captured(value.Id).Concat(Suffix(record.Slot, target)), record.SizeField) >= 0;
                        }
                    }
                }
            }
        }

        return true;
    }

    private int RecordIndex(RecordSlot slot, string sizeField)
    {
        var found = FindRecord(slot, sizeField);
        if (found >= 0 || _records.Count >= MaxRecords)
        {
            return found;
        }

        _records.Add(new TrackedRecord(slot, sizeField));
        return _records.Count - 1;
    }

    private int FindRecord(RecordSlot slot, string sizeField)
    {
        for (var i = 0; i < _records.Count; i++)
        {
            if (_records[i].Slot.Equals(slot) && _records[i].SizeField == sizeField)
            {
                return i;
            }
        }

        return -1;
    }

    private static ImmutableArray<IFieldSymbol> Suffix(RecordSlot inner, RecordSlot outer)
        => ImmutableArray.Create(inner.Path, outer.Path.Length, inner.Path.Length - outer.Path.Length);

    /// <summary>
    /// The fields from the passed storage down to the record that declares the size field: none when the
    /// storage is the record, its first fields when it is a buffer that begins with it; null when neither.
    /// </summary>
    private ImmutableArray<IFieldSymbol>? Descend(RecordSlot slot, IoctlRequest request, string sizeField)
    {
        var type = TypeOf(slot, request);
        var descent = ImmutableArray<IFieldSymbol>.Empty;
        for (var depth = 0; type is not null && depth <= MaxDepth; depth++)
        {
            IFieldSymbol? first = null;
            foreach (var member in type.GetMembers())
            {
                if (member is not IFieldSymbol { IsStatic: false, IsConst: false } field)
                {
                    continue;
                }

                if (field.Name == sizeField)
                {
                    return descent;
                }

                first ??= field;
            }

            if (first?.Type is not { TypeKind: TypeKind.Struct } firstType)
            {
                return null;
            }

            descent = descent.Add(first);
            type = firstType;
        }

        return null;
    }

    private ITypeSymbol? TypeOf(RecordSlot slot, IoctlRequest request)
    {
        if (!slot.Path.IsEmpty)
        {
            return slot.Path[slot.Path.Length - 1].Type;
        }

        switch (slot.Kind)
        {
            case SlotRootKind.Local:
                return (slot.Symbol as ILocalSymbol)?.Type;
            case SlotRootKind.Pointee:
                var pointedAt = ((slot.Symbol as ILocalSymbol)?.Type as IPointerTypeSymbol)?.PointedAtType;
                return pointedAt is null || pointedAt.SpecialType is SpecialType.System_Void or SpecialType.System_Byte or SpecialType.System_SByte
                    ? request.Argument
                    : pointedAt;
            case SlotRootKind.Capture:
                return slot.Capture is { } id && _captures.TryGetValue(id, out var value) ? value?.Type : null;
            default:
                return null;
        }
    }

    private bool IsValueCapture(CaptureId id)
        => _captures.TryGetValue(id, out var value) && (value is null || !IsReferenceChain(value));

    private static bool IsReferenceChain(IOperation operation)
        => operation is ILocalReferenceOperation or IParameterReferenceOperation or IFieldReferenceOperation or IInstanceReferenceOperation
           || OperationValues.IsDereference(operation, out _);

    // ---- resolving storage ----

    /// <summary>The slot an access chain (<c>x</c>, <c>x.a.b</c>, <c>p-&gt;a</c>, <c>this.f</c>) names, or null when it is not tracked storage.</summary>
    private RecordSlot? Resolve(IOperation? operation, int depth)
    {
        if (depth > MaxDepth)
        {
            return null;
        }

        switch (operation)
        {
            case ILocalReferenceOperation { Local: var local }:
                if (_captured.Contains(local))
                {
                    return null;
                }

                if (local.IsRef)
                {
                    return Alias(local, depth);
                }

                return local.Type is { IsValueType: true, TypeKind: TypeKind.Struct } ? RecordSlot.Local(local) : null;

            case IFieldReferenceOperation { Field: { IsStatic: false } field } fieldReference:
                if (fieldReference.Instance is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance })
                {
                    return field.Type.IsValueType ? RecordSlot.This().Append(field) : null;
                }

                if (field.ContainingType?.IsValueType != true)
                {
                    return null;
                }

                return Resolve(fieldReference.Instance, depth + 1)?.Append(field);

            case IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance, Type.IsValueType: true }:
                return RecordSlot.This();

            case IDeclarationExpressionOperation declaration:
                // out var x
                return Resolve(declaration.Expression, depth + 1);

            case IFlowCaptureReferenceOperation capture:
                if (!_captures.TryGetValue(capture.Id, out var captured))
                {
                    return null;
                }

                return captured is not null && IsReferenceChain(captured) ? Resolve(captured, depth + 1) : RecordSlot.Captured(capture.Id);

            case null:
                return null;

            default:
                return OperationValues.IsDereference(operation, out var pointer) ? ResolvePointee(pointer, depth + 1) : null;
        }
    }

    /// <summary>The slot a pointer (or <c>nint</c>) value points at: <c>&amp;x</c>, a <c>fixed</c> or alias local, a <c>stackalloc</c>ed pointer.</summary>
    private RecordSlot? ResolvePointee(IOperation operation, int depth)
    {
        if (depth > MaxDepth)
        {
            return null;
        }

        while (true)
        {
            if (operation is IConversionOperation { OperatorMethod: null } conversion)
            {
                operation = conversion.Operand;
                continue;
            }

            if (OperationValues.PinnedAddress(operation) is { } pinned)
            {
                operation = pinned;
                continue;
            }

            break;
        }

        switch (operation)
        {
            case IAddressOfOperation addressOf:
                return Resolve(addressOf.Reference, depth + 1);
            case IInvocationOperation invocation when OperationValues.IsAsPointer(invocation):
                return Resolve(invocation.Arguments[0].Value, depth + 1);
            case IFlowCaptureReferenceOperation capture:
                return _captures.TryGetValue(capture.Id, out var captured) && captured is not null ? ResolvePointee(captured, depth + 1) : null;
            case ILocalReferenceOperation { Local: { IsRef: false } local }
                when local.Type is IPointerTypeSymbol || OperationValues.IsPointerSized(local.Type):
                if (_captured.Contains(local))
                {
                    return null;
                }

                if (Alias(local, depth) is { } aliased)
                {
                    return aliased;
                }

                return local.Type is IPointerTypeSymbol && IsCreatedByStackAlloc(local) ? RecordSlot.Pointee(local) : null;
            default:
                return null;
        }
    }

    /// <summary>
    /// What a local that only ever holds one address names: a <c>fixed</c> pointer, <c>T* p = &amp;x</c>,
    /// <c>nint a = (nint)(&amp;x)</c>, <c>ref var r = ref x</c>. Null for any other local.
    /// </summary>
    private RecordSlot? Alias(ILocalSymbol local, int depth)
    {
        if (_aliases.TryGetValue(local, out var known))
        {
            return known;
        }

        _aliases[local] = null; // a cycle resolves to nothing
        RecordSlot? slot = null;
        if (!_captured.Contains(local) && _definitions.SingleValueOf(local) is { } value && !OperationValues.IsStackAlloc(OperationValues.SkipConversions(value)))
        {
            slot = local.IsRef ? Resolve(value, depth + 1) : ResolvePointee(value, depth + 1);
        }

        _aliases[local] = slot;
        return slot;
    }

    private bool IsAlias(ILocalSymbol local)
        => (local.IsRef || local.Type is IPointerTypeSymbol || OperationValues.IsPointerSized(local.Type)) && Alias(local, 0) is not null;

    /// <summary>Whether some <c>stackalloc</c> is stored into the pointer local: its memory is then created in this body.</summary>
    private bool IsCreatedByStackAlloc(ILocalSymbol local)
    {
        if (_definitions.ValuesOf(local) is not { } values)
        {
            return false;
        }

        foreach (var value in values)
        {
            if (OperationValues.IsStackAlloc(OperationValues.SkipConversions(value)))
            {
                return true;
            }
        }

        return false;
    }

    // ---- the transfer ----

    private void Visit(IOperation operation)
    {
        switch (operation)
        {
            case IInvocationOperation invocation when _calls.TryGetValue(invocation, out var tracked):
                VisitRawCall(invocation, tracked.Call, tracked.Record, tracked.Descent);
                return;

            case IInvocationOperation invocation:
                if (invocation.Instance is { } instance)
                {
                    // A method of a struct gets the struct by reference.
                    if (instance.Type?.IsValueType == true && Resolve(instance, 0) is { } receiver)
                    {
                        Escape(receiver);
                    }
                    else
                    {
                        Visit(instance);
                    }
                }

                foreach (var argument in invocation.Arguments)
                {
                    Visit(argument);
                }

                // Any call may store to the fields of this.
                ClearRoot(SlotRootKind.This);
                return;

            case IArgumentOperation argument:
                if (argument.Parameter is { RefKind: RefKind.Ref or RefKind.Out } && Resolve(argument.Value, 0) is { } passed)
                {
                    Escape(passed);
                    return;
                }

                Visit(argument.Value);
                return;

            case ISimpleAssignmentOperation assignment:
                VisitAssignment(assignment);
                return;

            case IFlowCaptureOperation capture:
                Visit(capture.Value);
                if (IsValueCapture(capture.Id))
                {
                    Store(RecordSlot.Captured(capture.Id), capture.Value);
                }

                return;

            case ICompoundAssignmentOperation compound:
                Visit(compound.Value);
                WriteOpaquely(compound.Target);
                return;

            case ICoalesceAssignmentOperation coalesce:
                Visit(coalesce.Value);
                WriteOpaquely(coalesce.Target);
                return;

            case IIncrementOrDecrementOperation increment:
                WriteOpaquely(increment.Target);
                return;

            case IDeconstructionAssignmentOperation deconstruction:
                Visit(deconstruction.Value);
                foreach (var target in deconstruction.Target.DescendantsAndSelf())
                {
                    if (Resolve(target, 0) is { } slot)
                    {
                        Escape(slot);
                    }
                }

                return;

            case IAddressOfOperation addressOf:
                WriteOpaquely(addressOf.Reference);
                return;

            case ILocalReferenceOperation { Local: var local } when local.Type is IPointerTypeSymbol || OperationValues.IsPointerSized(local.Type) || local.IsRef:
                // A pointer used as a value goes somewhere that may write through it.
                if ((local.IsRef ? Resolve(operation, 0) : ResolvePointee(operation, 0)) is { } pointee)
                {
                    Escape(pointee);
                }

                return;

            case IFieldReferenceOperation or ILocalReferenceOperation or IInstanceReferenceOperation when Resolve(operation, 0) is not null:
                // A read of tracked storage.
                return;

            case IFlowAnonymousFunctionOperation:
                return;
        }

        if (OperationValues.IsDereference(operation, out _) && Resolve(operation, 0) is not null)
        {
            return;
        }

        foreach (var child in operation.ChildOperations)
        {
            Visit(child);
        }
    }

    private void VisitRawCall(IInvocationOperation invocation, RawIoctlCall call, int record, ImmutableArray<IFieldSymbol> descent)
    {
        if (invocation.Instance is { } instance)
        {
            Visit(instance);
        }

        foreach (var argument in invocation.Arguments)
        {
            if (!ReferenceEquals(argument, call.Argument))
            {
                Visit(argument);
            }
        }

        var bit = 1UL << record;
        if (IsFinalPass && (_state & bit) != 0)
        {
            _findings.Add(new UnsetSizeFinding(call, _records[record], descent));
        }

        // The kernel has the record now: one diagnostic per record and path.
        _state &= ~bit;
    }

    private void VisitAssignment(ISimpleAssignmentOperation assignment)
    {
        if (assignment.Target is ILocalReferenceOperation { Local: var alias } && IsAlias(alias))
        {
            // Binding an alias to its storage is not a use of the storage.
            return;
        }

        if (assignment.IsRef)
        {
            if (Resolve(assignment.Value, 0) is { } bound)
            {
                Escape(bound);
            }
        }
        else
        {
            Visit(assignment.Value);
        }

        if (Resolve(assignment.Target, 0) is { } target)
        {
            Store(target, assignment.Value);
            return;
        }

        if (assignment.Target is ILocalReferenceOperation { Local: { Type: IPointerTypeSymbol } pointer } && !assignment.IsRef)
        {
            // p = stackalloc T[1] creates the memory p points at; any other value is memory of unknown state.
            var created = OperationValues.IsStackAlloc(OperationValues.SkipConversions(assignment.Value));
            SetRoot(RecordSlot.Pointee(pointer), created);
            return;
        }

        Visit(assignment.Target);
    }

    /// <summary>A store of <paramref name="value"/> into <paramref name="target"/>: a creation, a copy, or a store of the size field.</summary>
    private void Store(RecordSlot target, IOperation value)
    {
        var stripped = OperationValues.SkipConversions(value);
        for (var i = 0; i < _records.Count; i++)
        {
            var record = _records[i];
            if (target.Contains(record.Slot))
            {
                var suffix = Suffix(record.Slot, target);
                bool unset;
                if (stripped is IFlowCaptureReferenceOperation capture && FindRecord(RecordSlot.Captured(capture.Id).Concat(suffix), record.SizeField) is var copied and >= 0)
                {
                    unset = (_state & (1UL << copied)) != 0;
                }
                else
                {
                    unset = IsCreation(stripped);
                }

                Set(i, unset);
            }
            else if (record.IsSizeFieldStore(target))
            {
                Set(i, false);
            }
        }
    }

    /// <summary>A write the analysis can't see through (<c>ref</c>, <c>++</c>, a pointer): the record may be set.</summary>
    private void WriteOpaquely(IOperation target)
    {
        if (Resolve(target, 0) is { } slot)
        {
            Escape(slot);
        }
        else
        {
            Visit(target);
        }
    }

    private void Escape(RecordSlot slot)
    {
        for (var i = 0; i < _records.Count; i++)
        {
            if (slot.Contains(_records[i].Slot) || _records[i].IsSizeFieldStore(slot))
            {
                Set(i, false);
            }
        }
    }

    private void ClearRoot(SlotRootKind kind)
    {
        for (var i = 0; i < _records.Count; i++)
        {
            if (_records[i].Slot.Kind == kind)
            {
                Set(i, false);
            }
        }
    }

    private void SetRoot(RecordSlot root, bool unset)
    {
        for (var i = 0; i < _records.Count; i++)
        {
            if (root.Contains(_records[i].Slot))
            {
                Set(i, unset);
            }
        }
    }

    private void Set(int record, bool unset)
        => _state = unset ? _state | (1UL << record) : _state & ~(1UL << record);

    /// <summary>Whether the value is a fresh, zeroed (or uninitialized) record: <c>new T()</c> without a constructor of its own, <c>default</c>.</summary>
    private static bool IsCreation(IOperation value)
        => value switch
        {
            IDefaultValueOperation => true,
            IObjectCreationOperation { Initializer: null, Arguments.Length: 0 } creation
                => creation.Constructor is null || creation.Constructor.IsImplicitlyDeclared,
            _ => OperationValues.IsStackAlloc(value),
        };
}
