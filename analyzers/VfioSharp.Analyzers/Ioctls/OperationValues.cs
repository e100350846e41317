using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace VfioSharp.Analyzers.Ioctls;

/// <summary>Small questions about values that the ioctl rules ask.</summary>
internal static class OperationValues
{
    /// <summary>The operation without the built-in conversions (casts, widenings) wrapped around it.</summary>
    public static IOperation SkipConversions(IOperation operation)
    {
        while (operation is IConversionOperation { OperatorMethod: null } conversion)
        {
            operation = conversion.Operand;
        }

        return operation;
    }

    /// <summary>Whether the type is an integer (including <c>nint</c>/<c>nuint</c> and enums): what an fd or request travels as.</summary>
    public static bool IsIntegral(ITypeSymbol? type)
    {
        if (type is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying })
        {
            type = underlying;
        }

        return type?.SpecialType is SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Int64
            or SpecialType.System_UInt64 or SpecialType.System_IntPtr or SpecialType.System_UIntPtr
            or SpecialType.System_Int16 or SpecialType.System_UInt16 or SpecialType.System_Byte or SpecialType.System_SByte;
    }

    /// <summary>Whether the type is <c>nint</c>/<c>nuint</c>: a value that may hold a pointer.</summary>
    public static bool IsPointerSized(ITypeSymbol? type)
        => type?.SpecialType is SpecialType.System_IntPtr or SpecialType.System_UIntPtr;

    /// <summary>The size in bytes of an integer type (an enum's underlying type), or 0 for anything else.</summary>
    public static int IntegerSize(ITypeSymbol? type)
    {
        if (type is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying })
        {
            type = underlying;
        }

        return type?.SpecialType switch
        {
            SpecialType.System_Byte or SpecialType.System_SByte or SpecialType.System_Boolean => 1,
            SpecialType.System_Int16 or SpecialType.System_UInt16 or SpecialType.System_Char => 2,
            SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Single => 4,
            SpecialType.System_Int64 or SpecialType.System_UInt64 or SpecialType.System_Double => 8,
            _ => 0,
        };
    }

    /// <summary>Whether the value is the constant 0, <c>default</c>, or <c>IntPtr.Zero</c>: a null pointer when passed as one.</summary>
    public static bool IsZero(IOperation operation)
    {
        operation = SkipConversions(operation);
        if (operation is IDefaultValueOperation)
        {
            return true;
        }

        if (operation is IFieldReferenceOperation { Field: { Name: "Zero", IsStatic: true } field }
            && field.ContainingType?.SpecialType is SpecialType.System_IntPtr or SpecialType.System_UIntPtr)
        {
            return true;
        }

        if (!operation.ConstantValue.HasValue || operation.ConstantValue.Value is not { } value || value is string or bool)
        {
            return false;
        }

        try
        {
            return Convert.ToDecimal(value, System.Globalization.CultureInfo.InvariantCulture) == 0m;
        }
        catch (Exception exception) when (exception is InvalidCastException or OverflowException or FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// The pointer under a pointer dereference: <c>*p</c>, <c>p-&gt;f</c>'s receiver and <c>p[0]</c>
    /// are operations of no public kind whose child is the pointer.
    /// </summary>
    public static bool IsDereference(IOperation operation, out IOperation pointer)
    {
        pointer = null!;
        if (operation.Kind != OperationKind.None || operation.Type is null)
        {
            return false;
        }

        IOperation? first = null;
        IOperation? second = null;
        var count = 0;
        foreach (var child in operation.ChildOperations)
        {
            count++;
            if (count == 1)
            {
                first = child;
            }
            else if (count == 2)
            {
                second = child;
            }
        }

        if (first?.Type is not IPointerTypeSymbol pointerType
            || !SymbolEqualityComparer.Default.Equals(pointerType.PointedAtType, operation.Type))
        {
            return false;
        }

        // p[0] is *p; any other index is another element.
        if (count == 1 || (count == 2 && second is not null && second.ConstantValue.HasValue && IsZero(second)))
        {
            pointer = first;
            return true;
        }

        return false;
    }

    /// <summary>The pinning wrapper of a <c>fixed</c> initializer (no public kind) around <c>&amp;x</c>.</summary>
    public static IAddressOfOperation? PinnedAddress(IOperation operation)
    {
        if (operation.Kind != OperationKind.None)
        {
            return null;
        }

        IAddressOfOperation? single = null;
        foreach (var child in operation.ChildOperations)
        {
            if (single is not null || child is not IAddressOfOperation addressOf)
            {
                return null;
            }

            single = addressOf;
        }

        return single;
    }

    /// <summary>Whether the invocation is <c>Unsafe.AsPointer(ref x)</c>.</summary>
    public static bool IsAsPointer(IInvocationOperation invocation)
        => invocation.TargetMethod is { Name: "AsPointer", ContainingType: { Name: "Unsafe" } type }
           && KnownSymbols.IsNamespace(type.ContainingNamespace, "System.Runtime.CompilerServices")
           && invocation.Arguments.Length == 1;

    /// <summary>Whether the operation is a <c>stackalloc</c> (no public kind; recognized by its syntax).</summary>
    public static bool IsStackAlloc(IOperation operation)
        => operation.Syntax.RawKind is (int)Microsoft.CodeAnalysis.CSharp.SyntaxKind.StackAllocArrayCreationExpression
            or (int)Microsoft.CodeAnalysis.CSharp.SyntaxKind.ImplicitStackAllocArrayCreationExpression;
}
