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
/// walks of a tree whose nodes the first walk also had to create. In a driver most bodies give
/// every rule nothing to do, so those walks were most of the rules' cost. The analyzer driver hands
/// the same operation tree to every analyzer of a compilation, so the tree's root keys the cache,
/// and the cache lets go of the tree with the compilation.
/// </remarks>
internal sealed class BodyOperations
{
    private static readonly ConditionalWeakTable<IOperation, BodyOperations> Cache = new();

    [ThreadStatic]
    private static Stack<IOperation>? t_pending;

    [ThreadStatic]
    private static List<IOperation>? t_children;

    private List<IInvocationOperation>? _invocations;
    private List<IFieldReferenceOperation>? _fieldReferences;
    private List<IPropertyReferenceOperation>? _propertyReferences;
    private List<IMemberReferenceOperation>? _otherMemberReferences;
    private List<IObjectCreationOperation>? _objectCreations;
    private List<IDefaultValueOperation>? _defaultValues;
    private List<IVariableDeclaratorOperation>? _declarators;
    private List<IArgumentOperation>? _arguments;
    private List<IOperation>? _addressUses;
    private List<ILocalReferenceOperation>? _localReferences;

    private BodyOperations(IOperation root)
    {
        // Reused per thread: a body's walk would otherwise allocate its stack and buffer anew.
        var pending = t_pending ??= new Stack<IOperation>();
        var children = t_children ??= new List<IOperation>();
        pending.Clear();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var operation = pending.Pop();
            Classify(operation);

            // Pushed last child first, so the walk (and every list) is in source order.
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
    }

    /// <summary>Calls, in source order.</summary>
    public IReadOnlyList<IInvocationOperation> Invocations => (IReadOnlyList<IInvocationOperation>?)_invocations ?? Array.Empty<IInvocationOperation>();

    /// <summary>Field references, in source order.</summary>
    public IReadOnlyList<IFieldReferenceOperation> FieldReferences => (IReadOnlyList<IFieldReferenceOperation>?)_fieldReferences ?? Array.Empty<IFieldReferenceOperation>();

    /// <summary>Property references, in source order.</summary>
    public IReadOnlyList<IPropertyReferenceOperation> PropertyReferences => (IReadOnlyList<IPropertyReferenceOperation>?)_propertyReferences ?? Array.Empty<IPropertyReferenceOperation>();

    /// <summary>Method, event and other member references that are neither fields nor properties.</summary>
    public IReadOnlyList<IMemberReferenceOperation> OtherMemberReferences => (IReadOnlyList<IMemberReferenceOperation>?)_otherMemberReferences ?? Array.Empty<IMemberReferenceOperation>();

    /// <summary><c>new T(...)</c>, in source order.</summary>
    public IReadOnlyList<IObjectCreationOperation> ObjectCreations => (IReadOnlyList<IObjectCreationOperation>?)_objectCreations ?? Array.Empty<IObjectCreationOperation>();

    /// <summary><c>default</c> and <c>default(T)</c>.</summary>
    public IReadOnlyList<IDefaultValueOperation> DefaultValues => (IReadOnlyList<IDefaultValueOperation>?)_defaultValues ?? Array.Empty<IDefaultValueOperation>();

    /// <summary>Declared locals, in source order.</summary>
    public IReadOnlyList<IVariableDeclaratorOperation> Declarators => (IReadOnlyList<IVariableDeclaratorOperation>?)_declarators ?? Array.Empty<IVariableDeclaratorOperation>();

    /// <summary>Arguments of calls and creations, in source order.</summary>
    public IReadOnlyList<IArgumentOperation> Arguments => (IReadOnlyList<IArgumentOperation>?)_arguments ?? Array.Empty<IArgumentOperation>();

    /// <summary>Address-of operations and conversions to a pointer type: where a struct's memory leaves as a pointer.</summary>
    public IReadOnlyList<IOperation> AddressUses => (IReadOnlyList<IOperation>?)_addressUses ?? Array.Empty<IOperation>();

    /// <summary>Local references, in source order.</summary>
    public IReadOnlyList<ILocalReferenceOperation> LocalReferences => (IReadOnlyList<ILocalReferenceOperation>?)_localReferences ?? Array.Empty<ILocalReferenceOperation>();

    /// <summary>Whether the body throws anywhere.</summary>
    public bool Throws { get; private set; }

    /// <summary>Whether the body has a <c>return</c> statement of its own (not one the compiler implies).</summary>
    public bool HasExplicitReturn { get; private set; }

    /// <summary>Whether the body has lambdas or local functions (which capture, and have graphs of their own).</summary>
    public bool HasFunctions { get; private set; }

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

    private void Classify(IOperation operation)
    {
        switch (operation)
        {
            case IInvocationOperation invocation:
                (_invocations ??= new List<IInvocationOperation>()).Add(invocation);
                break;
            case IFieldReferenceOperation field:
                (_fieldReferences ??= new List<IFieldReferenceOperation>()).Add(field);
                break;
            case IPropertyReferenceOperation property:
                (_propertyReferences ??= new List<IPropertyReferenceOperation>()).Add(property);
                break;
            case IMemberReferenceOperation member:
                (_otherMemberReferences ??= new List<IMemberReferenceOperation>()).Add(member);
                break;
            case IObjectCreationOperation creation:
                (_objectCreations ??= new List<IObjectCreationOperation>()).Add(creation);
                break;
            case IDefaultValueOperation defaultValue:
                (_defaultValues ??= new List<IDefaultValueOperation>()).Add(defaultValue);
                break;
            case IVariableDeclaratorOperation declarator:
                (_declarators ??= new List<IVariableDeclaratorOperation>()).Add(declarator);
                break;
            case IArgumentOperation argument:
                (_arguments ??= new List<IArgumentOperation>()).Add(argument);
                break;
            case IAddressOfOperation:
            case IConversionOperation { Type: IPointerTypeSymbol }:
                (_addressUses ??= new List<IOperation>()).Add(operation);
                break;
            case ILocalReferenceOperation local:
                (_localReferences ??= new List<ILocalReferenceOperation>()).Add(local);
                break;
            case IThrowOperation:
                Throws = true;
                break;
            case IReturnOperation { IsImplicit: false }:
                HasExplicitReturn = true;
                break;
            case IAnonymousFunctionOperation or ILocalFunctionOperation:
                HasFunctions = true;
                break;
        }
    }
}
