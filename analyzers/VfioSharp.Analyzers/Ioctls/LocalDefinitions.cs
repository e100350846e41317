using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace VfioSharp.Analyzers.Ioctls;

/// <summary>
/// The values stored into each local of a body, flow-insensitively: a local whose every write is a
/// plain store (a declaration's initializer or <c>x = value</c>) has those values; a local also
/// written another way (<c>out</c>, <c>ref</c>, <c>&amp;x</c>, <c>++</c>, a deconstruction, a pattern,
/// a <c>foreach</c>, a ref local bound to it) is "written opaquely" and has none. A ref local's
/// values are its bindings.
/// </summary>
internal sealed class LocalDefinitions
{
    private readonly Dictionary<ILocalSymbol, List<IOperation>> _stores = new(SymbolEqualityComparer.Default);
    private readonly HashSet<ILocalSymbol> _opaque = new(SymbolEqualityComparer.Default);

    private LocalDefinitions()
    {
    }

    /// <summary>Gathers the stores of every operation under <paramref name="roots"/>.</summary>
    public static LocalDefinitions Of(IEnumerable<IOperation> roots)
    {
        var definitions = new LocalDefinitions();
        foreach (var root in roots)
        {
            foreach (var operation in root.DescendantsAndSelf())
            {
                definitions.Observe(operation);
            }
        }

        return definitions;
    }

    /// <summary>Every value stored into <paramref name="local"/>, or null when it is also written opaquely or never stored.</summary>
    public IReadOnlyList<IOperation>? ValuesOf(ILocalSymbol local)
        => _opaque.Contains(local) || !_stores.TryGetValue(local, out var values) ? null : values;

    /// <summary>The one value stored into <paramref name="local"/>, or null when there are several, none, or opaque writes.</summary>
    public IOperation? SingleValueOf(ILocalSymbol local)
        => ValuesOf(local) is { Count: 1 } values ? values[0] : null;

    private void Observe(IOperation operation)
    {
        switch (operation)
        {
            case IVariableDeclaratorOperation { Initializer: { } initializer } declarator:
                Store(declarator.Symbol, initializer.Value);
                break;
            case IVariableDeclaratorOperation declarator when IsForEachVariable(declarator):
                _opaque.Add(declarator.Symbol);
                break;
            case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment:
                // For a ref local, what is stored is its binding (ref var r = ref x).
                Store(target.Local, assignment.Value);
                break;
            case IDeclarationPatternOperation { DeclaredSymbol: ILocalSymbol declared }:
                _opaque.Add(declared);
                break;
            case ILocalReferenceOperation reference when IsOpaqueWrite(reference):
                _opaque.Add(reference.Local);
                break;
        }
    }

    private void Store(ILocalSymbol local, IOperation value)
    {
        if (!_stores.TryGetValue(local, out var values))
        {
            values = new List<IOperation>();
            _stores[local] = values;
        }

        values.Add(value);
    }

    private static bool IsForEachVariable(IVariableDeclaratorOperation declarator)
    {
        for (var current = declarator.Parent; current is not null; current = current.Parent)
        {
            if (current is IForEachLoopOperation)
            {
                return true;
            }

            if (current is not (IVariableDeclarationOperation or IVariableDeclarationGroupOperation or IDeclarationExpressionOperation or ITupleOperation))
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>Whether a reference to a local writes it other than by a plain store.</summary>
    private static bool IsOpaqueWrite(ILocalReferenceOperation reference)
    {
        IOperation current = reference;
        var parent = current.Parent;
        while (parent is IDeclarationExpressionOperation or ITupleOperation or IConversionOperation { OperatorMethod: null })
        {
            current = parent;
            parent = current.Parent;
        }

        return parent switch
        {
            IAddressOfOperation => true,
            IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } => true,
            ICompoundAssignmentOperation compound => ReferenceEquals(compound.Target, current),
            ICoalesceAssignmentOperation coalesce => ReferenceEquals(coalesce.Target, current),
            IIncrementOrDecrementOperation => true,
            IDeconstructionAssignmentOperation deconstruction => ReferenceEquals(deconstruction.Target, current),
            ISimpleAssignmentOperation { IsRef: true } refAssignment => ReferenceEquals(refAssignment.Value, current),
            IForEachLoopOperation loop => ReferenceEquals(loop.LoopControlVariable, current),
            _ => false,
        };
    }
}
