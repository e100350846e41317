using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace VfioSharp.Analyzers.FileDescriptors;

/// <summary>
/// Flow-insensitive facts gathered from single operations of the source tree: where fd members are
/// read, whether anything ever stores a non-zero value into them, and which structs have their
/// memory handed to code that may fill it wholesale.
/// </summary>
internal static class MemberAccessObserver
{
    /// <summary>Classifies one field or property reference as a read, a store, both or neither.</summary>
    public static void ObserveReference(IOperation reference, FileDescriptorMembers members, FileDescriptorObservations observations)
    {
        var member = OperationShapes.ReferencedMember(reference);
        if (member is null || !members.Contains(member) || IsInsideNameOf(reference))
        {
            return;
        }

        var (isRead, isWrite) = Classify(reference);
        // A lock-free read first: most stores hit a member already recorded.
        if (isWrite && !observations.Written.ContainsKey(member))
        {
            observations.Written[member] = true;
        }

        if (isRead)
        {
            var instance = reference is IFieldReferenceOperation field ? field.Instance : ((IPropertyReferenceOperation)reference).Instance;
            observations.Reads.Add(new MemberRead(member, reference.Syntax.GetLocation(), OperationShapes.IsThis(instance)));
        }
    }

    /// <summary>Records structs whose memory is passed by ref, by address or as a generic type argument.</summary>
    public static void ObserveOpaqueUse(IOperation operation, FileDescriptorMembers members, FileDescriptorObservations observations)
    {
        switch (operation)
        {
            case IArgumentOperation argument when argument.Parameter?.RefKind is RefKind.Ref or RefKind.Out:
                MarkOpaque(argument.Value.Type, members, observations);
                break;
            case IAddressOfOperation addressOf:
                MarkOpaque(addressOf.Reference.Type, members, observations);
                break;
            case IConversionOperation { Type: IPointerTypeSymbol pointer }:
                MarkOpaque(pointer.PointedAtType, members, observations);
                break;
            case IInvocationOperation invocation:
                foreach (var typeArgument in invocation.TargetMethod.TypeArguments)
                {
                    MarkOpaque(typeArgument, members, observations);
                }

                break;
        }
    }

    private static void MarkOpaque(ITypeSymbol? type, FileDescriptorMembers members, FileDescriptorObservations observations)
    {
        while (type is IPointerTypeSymbol or IArrayTypeSymbol)
        {
            type = type is IPointerTypeSymbol pointer ? pointer.PointedAtType : ((IArrayTypeSymbol)type).ElementType;
        }

        if (type is INamedTypeSymbol { IsValueType: true, SpecialType: SpecialType.None } named
            && named.Locations.Any(l => l.IsInSource))
        {
            MarkOpaqueWithNestedStructs(named.OriginalDefinition, members, observations, new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default));
        }
    }

    private static void MarkOpaqueWithNestedStructs(
        INamedTypeSymbol type,
        FileDescriptorMembers members,
        FileDescriptorObservations observations,
        HashSet<ITypeSymbol> visited)
    {
        if (!visited.Add(type) || !type.Locations.Any(l => l.IsInSource))
        {
            return;
        }

        if (!members.DeclaredBy(type).IsEmpty)
        {
            observations.OpaqueStructs[type] = true;
        }

        // Filling a struct fills the structs embedded in it.
        foreach (var field in type.GetMembers().OfType<IFieldSymbol>())
        {
            if (!field.IsStatic && field.Type is INamedTypeSymbol { IsValueType: true } nested)
            {
                MarkOpaqueWithNestedStructs(nested.OriginalDefinition, members, observations, visited);
            }
        }
    }

    private static (bool IsRead, bool IsWrite) Classify(IOperation reference)
    {
        switch (reference.Parent)
        {
            case ISimpleAssignmentOperation assignment when assignment.Target == reference:
                return (false, !OperationShapes.IsConstantZero(assignment.Value));
            case ISimpleAssignmentOperation { IsRef: true } refAssignment when refAssignment.Value == reference:
                return (true, true);
            case ICompoundAssignmentOperation compound when compound.Target == reference:
                return (true, true);
            case IIncrementOrDecrementOperation:
                return (true, true);
            case IArgumentOperation argument:
                return argument.Parameter?.RefKind switch
                {
                    RefKind.Out => (false, true),
                    RefKind.Ref => (true, true),
                    _ => (true, false),
                };
            case IAddressOfOperation:
                return (true, true);
            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation { Symbol.IsRef: true } }:
                return (true, true);
            case ITupleOperation or IDeclarationExpressionOperation when IsDeconstructionTarget(reference):
                return (false, true);
            default:
                return (true, false);
        }
    }

    private static bool IsDeconstructionTarget(IOperation reference)
    {
        var current = reference;
        while (current.Parent is ITupleOperation or IDeclarationExpressionOperation)
        {
            current = current.Parent;
        }

        return current.Parent is IDeconstructionAssignmentOperation deconstruction && deconstruction.Target == current;
    }

    private static bool IsInsideNameOf(IOperation operation)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            if (current is INameOfOperation)
            {
                return true;
            }
        }

        return false;
    }
}
