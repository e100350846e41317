using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>
/// Facts about a whole member body, lambdas and local functions included, that a flow analysis of
/// one graph cannot see: which variables nested functions capture, and which symbols are written
/// or aliased anywhere (so that they can't serve as mode variables).
/// </summary>
internal sealed class MethodShape
{
    private readonly HashSet<ISymbol> _captured = new(SymbolEqualityComparer.Default);
    private readonly HashSet<ISymbol> _written = new(SymbolEqualityComparer.Default);
    private readonly HashSet<ISymbol> _writtenInNestedFunction = new(SymbolEqualityComparer.Default);
    private readonly HashSet<ISymbol> _aliased = new(SymbolEqualityComparer.Default);

    private MethodShape()
    {
    }

    /// <summary>Locals and parameters that a lambda or local function uses from an enclosing function.</summary>
    public bool IsCaptured(ISymbol symbol) => _captured.Contains(symbol);

    /// <summary>Whether anything assigns the symbol after its declaration (fields and properties by definition).</summary>
    public bool IsWritten(ISymbol symbol) => _written.Contains(symbol.OriginalDefinition);

    public bool IsWrittenInNestedFunction(ISymbol symbol) => _writtenInNestedFunction.Contains(symbol);

    /// <summary>Whether a ref, an out argument or a pointer can reach the symbol's storage.</summary>
    public bool IsAliased(ISymbol symbol) => _aliased.Contains(symbol.OriginalDefinition);

    public static MethodShape Build(IOperation root)
    {
        var shape = new MethodShape();
        var pending = new Stack<(IOperation Operation, IMethodSymbol? Function)>();
        pending.Push((root, null));
        while (pending.Count > 0)
        {
            var (operation, function) = pending.Pop();
            switch (operation)
            {
                case ILocalFunctionOperation localFunction:
                    function = localFunction.Symbol;
                    break;
                case IAnonymousFunctionOperation lambda:
                    function = lambda.Symbol;
                    break;
            }

            shape.Record(operation, function);
            foreach (var child in operation.ChildOperations)
            {
                pending.Push((child, function));
            }
        }

        return shape;
    }

    private void Record(IOperation operation, IMethodSymbol? function)
    {
        switch (operation)
        {
            case ILocalReferenceOperation local when function is not null && !SymbolEqualityComparer.Default.Equals(local.Local.ContainingSymbol, function):
                _captured.Add(local.Local);
                break;
            case IParameterReferenceOperation parameter when function is not null && !SymbolEqualityComparer.Default.Equals(parameter.Parameter.ContainingSymbol, function):
                _captured.Add(parameter.Parameter);
                break;
            case ISimpleAssignmentOperation assignment:
                if (assignment.IsRef)
                {
                    MarkAliased(assignment.Value);
                }

                MarkWritten(assignment.Target, function);
                break;
            case ICompoundAssignmentOperation compound:
                MarkWritten(compound.Target, function);
                break;
            case ICoalesceAssignmentOperation coalesce:
                MarkWritten(coalesce.Target, function);
                break;
            case IIncrementOrDecrementOperation increment:
                MarkWritten(increment.Target, function);
                break;
            case IDeconstructionAssignmentOperation deconstruction:
                MarkWritten(deconstruction.Target, function);
                break;
            case IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } argument:
                // A scoped ref (every out parameter since C# 11) can't outlive the call: the callee
                // writes the variable while it runs, and can't keep a way to change it later.
                if (argument.Parameter.ScopedKind != ScopedKind.ScopedRef)
                {
                    MarkAliased(argument.Value);
                }

                MarkWritten(argument.Value, function);
                break;
            case IAddressOfOperation addressOf:
                MarkAliased(addressOf.Reference);
                break;
        }
    }

    private void MarkWritten(IOperation target, IMethodSymbol? function)
    {
        switch (target)
        {
            case ILocalReferenceOperation { IsDeclaration: false } local:
                _written.Add(local.Local);
                if (function is not null && !SymbolEqualityComparer.Default.Equals(local.Local.ContainingSymbol, function))
                {
                    _writtenInNestedFunction.Add(local.Local);
                }

                break;
            case IParameterReferenceOperation parameter:
                _written.Add(parameter.Parameter);
                if (function is not null && !SymbolEqualityComparer.Default.Equals(parameter.Parameter.ContainingSymbol, function))
                {
                    _writtenInNestedFunction.Add(parameter.Parameter);
                }

                break;
            case IFieldReferenceOperation field:
                _written.Add(field.Field.OriginalDefinition);
                break;
            case IPropertyReferenceOperation property:
                _written.Add(property.Property.OriginalDefinition);
                break;
            case ITupleOperation tuple:
                foreach (var element in tuple.Elements)
                {
                    MarkWritten(element, function);
                }

                break;
            case IDeclarationExpressionOperation declaration:
                MarkWritten(declaration.Expression, function);
                break;
        }
    }

    private void MarkAliased(IOperation target)
    {
        switch (target)
        {
            case ILocalReferenceOperation local:
                _aliased.Add(local.Local);
                break;
            case IParameterReferenceOperation parameter:
                _aliased.Add(parameter.Parameter);
                break;
            case IFieldReferenceOperation field:
                _aliased.Add(field.Field.OriginalDefinition);
                break;
            case IDeclarationExpressionOperation declaration:
                MarkAliased(declaration.Expression);
                break;
        }
    }
}
