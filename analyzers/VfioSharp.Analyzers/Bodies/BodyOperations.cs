using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace VfioSharp.Analyzers.Bodies;

/// <summary>
/// The operations of one body (a method, constructor, accessor, initializer or top-level program,
/// with its lambdas and local functions) that the rules look at before deciding whether the body
/// needs a control flow graph, gathered in one walk and shared by every rule.
/// </summary>
/// <remarks>
/// Every rule used to walk every body on its own to decide whether it had anything to do: eight
/// walks, in a driver where most bodies give every rule nothing to do. The analyzer driver hands the
/// same operation tree to every analyzer of a compilation, so the tree's root keys the cache, and
/// the cache lets go of the tree with the compilation. The operations are kept in one array of the
/// exact size, grouped by kind (the compiler server's profile charged growing lists, and the
/// collections they triggered, with most of this class's cost).
/// </remarks>
internal sealed class BodyOperations
{
    private static readonly ConditionalWeakTable<IOperation, BodyOperations> Cache = new();

    [ThreadStatic]
    private static Stack<IOperation>? t_pending;

    [ThreadStatic]
    private static List<IOperation>? t_children;

    [ThreadStatic]
    private static List<(Kind Kind, IOperation Operation)>? t_found;

    [ThreadStatic]
    private static int[]? t_next;

    private readonly IOperation[] _operations;
    private readonly int[] _starts = new int[(int)Kind.Count + 1];

    private BodyOperations(IOperation root)
    {
        // Reused per thread: a body's walk would otherwise allocate its stack and buffers anew.
        var pending = t_pending ??= new Stack<IOperation>();
        var children = t_children ??= new List<IOperation>();
        var found = t_found ??= new List<(Kind, IOperation)>();
        pending.Clear();
        found.Clear();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var operation = pending.Pop();
            var kind = Classify(operation);
            if (kind != Kind.Count)
            {
                found.Add((kind, operation));
            }

            // Pushed last child first, so the walk (and every range) is in source order.
            children.Clear();
            foreach (var child in operation.ChildOperations)
            {
                children.Add(child);
            }

            for (var i = children.Count - 1; i >= 0; i--)
            {
                pending.Push(children[i]);
            }
        }

        // A counting sort by kind keeps source order within each kind.
        foreach (var (kind, _) in found)
        {
            _starts[(int)kind + 1]++;
        }

        for (var kind = 0; kind < (int)Kind.Count; kind++)
        {
            _starts[kind + 1] += _starts[kind];
        }

        _operations = found.Count == 0 ? Array.Empty<IOperation>() : new IOperation[found.Count];
        var next = t_next ??= new int[(int)Kind.Count + 1];
        Array.Copy(_starts, next, next.Length);
        foreach (var (kind, operation) in found)
        {
            _operations[next[(int)kind]++] = operation;
        }

        found.Clear();
        children.Clear();
    }

    private enum Kind
    {
        Invocation,
        FieldReference,
        PropertyReference,
        OtherMemberReference,
        ObjectCreation,
        DefaultValue,
        Declarator,
        Argument,
        AddressUse,
        LocalReference,

        /// <summary>The number of kinds, and "not kept".</summary>
        Count,
    }

    /// <summary>Calls, in source order.</summary>
    public OperationRange<IInvocationOperation> Invocations => Range<IInvocationOperation>(Kind.Invocation);

    /// <summary>Field references, in source order.</summary>
    public OperationRange<IFieldReferenceOperation> FieldReferences => Range<IFieldReferenceOperation>(Kind.FieldReference);

    /// <summary>Property references, in source order.</summary>
    public OperationRange<IPropertyReferenceOperation> PropertyReferences => Range<IPropertyReferenceOperation>(Kind.PropertyReference);

    /// <summary>Method, event and other member references that are neither fields nor properties.</summary>
    public OperationRange<IMemberReferenceOperation> OtherMemberReferences => Range<IMemberReferenceOperation>(Kind.OtherMemberReference);

    /// <summary><c>new T(...)</c>, in source order.</summary>
    public OperationRange<IObjectCreationOperation> ObjectCreations => Range<IObjectCreationOperation>(Kind.ObjectCreation);

    /// <summary><c>default</c> and <c>default(T)</c>.</summary>
    public OperationRange<IDefaultValueOperation> DefaultValues => Range<IDefaultValueOperation>(Kind.DefaultValue);

    /// <summary>Declared locals, in source order.</summary>
    public OperationRange<IVariableDeclaratorOperation> Declarators => Range<IVariableDeclaratorOperation>(Kind.Declarator);

    /// <summary>Arguments of calls and creations, in source order.</summary>
    public OperationRange<IArgumentOperation> Arguments => Range<IArgumentOperation>(Kind.Argument);

    /// <summary>Address-of operations and conversions to a pointer type: where a struct's memory leaves as a pointer.</summary>
    public OperationRange<IOperation> AddressUses => Range<IOperation>(Kind.AddressUse);

    /// <summary>Local references, in source order.</summary>
    public OperationRange<ILocalReferenceOperation> LocalReferences => Range<ILocalReferenceOperation>(Kind.LocalReference);

    /// <summary>Whether the body throws anywhere.</summary>
    public bool Throws { get; private set; }

    /// <summary>Whether the body has a <c>return</c> statement of its own (not one the compiler implies).</summary>
    public bool HasExplicitReturn { get; private set; }

    /// <summary>Whether the body has lambdas or local functions (which capture, and have graphs of their own).</summary>
    public bool HasFunctions { get; private set; }

    /// <summary>
    /// Whether another rule already walked the body whose root is <paramref name="root"/>: a rule with
    /// a cheaper filter of its own than the walk uses it only when the walk is still to be paid.
    /// </summary>
    public static bool IsWalked(IOperation root) => Cache.TryGetValue(root, out _);

    /// <summary>The operations of the body that <paramref name="operation"/> belongs to (any operation of it, usually a block).</summary>
    public static BodyOperations Of(IOperation operation)
    {
        var root = operation;
        while (root.Parent is not null)
        {
            root = root.Parent;
        }

        return Cache.GetValue(root, static r => new BodyOperations(r));
    }

    private OperationRange<T> Range<T>(Kind kind)
        where T : class, IOperation
        => new(_operations, _starts[(int)kind], _starts[(int)kind + 1]);

    private Kind Classify(IOperation operation)
    {
        switch (operation)
        {
            case IInvocationOperation:
                return Kind.Invocation;
            case IFieldReferenceOperation:
                return Kind.FieldReference;
            case IPropertyReferenceOperation:
                return Kind.PropertyReference;
            case IMemberReferenceOperation:
                return Kind.OtherMemberReference;
            case IObjectCreationOperation:
                return Kind.ObjectCreation;
            case IDefaultValueOperation:
                return Kind.DefaultValue;
            case IVariableDeclaratorOperation:
                return Kind.Declarator;
            case IArgumentOperation:
                return Kind.Argument;
            case IAddressOfOperation:
            case IConversionOperation { Type: IPointerTypeSymbol }:
                return Kind.AddressUse;
            case ILocalReferenceOperation:
                return Kind.LocalReference;
            case IThrowOperation:
                Throws = true;
                return Kind.Count;
            case IReturnOperation { IsImplicit: false }:
                HasExplicitReturn = true;
                return Kind.Count;
            case IAnonymousFunctionOperation or ILocalFunctionOperation:
                HasFunctions = true;
                return Kind.Count;
            default:
                return Kind.Count;
        }
    }
}
