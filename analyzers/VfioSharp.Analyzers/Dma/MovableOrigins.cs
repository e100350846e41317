using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Operations;
using VfioSharp.Analyzers.Ioctls;

namespace VfioSharp.Analyzers.Dma;

/// <summary>
/// Where an address came from, when that place is memory the GC may move or reclaim while a device still
/// DMAs to it: a managed array, a managed object's field, a pinned GCHandle, a <c>fixed</c> block, the stack.
/// </summary>
internal static class MovableOrigins
{
    /// <summary>
    /// Describes the movable memory <paramref name="value"/> points into, or null when it doesn't (native
    /// memory, an integer from elsewhere, anything unknown).
    /// </summary>
    /// <param name="value">The address expression.</param>
    /// <param name="locals">What the flow knows of locals at this point.</param>
    public static string? Of(IOperation? value, IReadOnlyDictionary<ILocalSymbol, string> locals)
    {
        if (value is null)
        {
            return null;
        }

        value = OperationValues.SkipConversions(value);
        if (value.Syntax.IsKind(SyntaxKind.StackAllocArrayCreationExpression) || value.Syntax.IsKind(SyntaxKind.ImplicitStackAllocArrayCreationExpression))
        {
            return "stack memory (stackalloc)";
        }

        switch (value)
        {
            case ILocalReferenceOperation { Local: var local }:
                if (local.IsFixed)
                {
                    return "memory pinned only by a 'fixed' block";
                }

                return locals.TryGetValue(local, out var origin) ? origin : null;
            case IAddressOfOperation addressOf:
                return OfReference(addressOf.Reference, locals);
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Add or BinaryOperatorKind.Subtract } arithmetic:
                return Of(arithmetic.LeftOperand, locals) ?? Of(arithmetic.RightOperand, locals);
            case IInvocationOperation invocation:
                return OfCall(invocation, locals);
            case IConditionalOperation conditional:
                return Of(conditional.WhenTrue, locals) ?? Of(conditional.WhenFalse, locals);
            default:
                return null;
        }
    }

    private static string? OfReference(IOperation reference, IReadOnlyDictionary<ILocalSymbol, string> locals)
    {
        reference = OperationValues.SkipConversions(reference);
        return reference switch
        {
            IArrayElementReferenceOperation => "a managed array element",
            ILocalReferenceOperation or IParameterReferenceOperation => "a variable on the stack",
            IFieldReferenceOperation { Instance: null } => "a static field",
            IFieldReferenceOperation { Instance: IOperation instance } when instance.Type?.IsReferenceType == true => "a field of a managed object",
            IFieldReferenceOperation { Instance: IOperation instance } => OfReference(instance, locals),
            IInvocationOperation invocation => OfCall(invocation, locals),

            // `*p` and `p->f` have no public operation interface: their one pointer-typed child is where they point.
            _ => reference.ChildOperations.FirstOrDefault(child => child.Type is IPointerTypeSymbol) is { } pointer ? Of(pointer, locals) : null,
        };
    }

    private static string? OfCall(IInvocationOperation invocation, IReadOnlyDictionary<ILocalSymbol, string> locals)
    {
        var method = invocation.TargetMethod;
        var type = method.ContainingType?.ToDisplayString();
        switch (type, method.Name)
        {
            case ("System.Runtime.InteropServices.GCHandle", "AddrOfPinnedObject"):
                return "a pinned GCHandle's object";
            case ("System.Runtime.InteropServices.Marshal", "UnsafeAddrOfPinnedArrayElement"):
                return "a managed array element";
            case ("System.Runtime.InteropServices.MemoryMarshal", "GetArrayDataReference"):
                return "a managed array element";
            case ("System.Runtime.InteropServices.MemoryMarshal", "GetReference"):
                return "a span's memory (managed or stack)";
            case ("System.Runtime.CompilerServices.Unsafe", "AsPointer"):
            case ("System.Runtime.CompilerServices.Unsafe", "AsRef"):
            case ("System.Runtime.CompilerServices.Unsafe", "Add"):
                return invocation.Arguments.Length > 0 ? OfReference(invocation.Arguments[0].Value, locals) ?? Of(invocation.Arguments[0].Value, locals) : null;
            case (_, "GetPinnableReference"):
                return "a span's memory (managed or stack)";
            default:
                return null;
        }
    }
}
