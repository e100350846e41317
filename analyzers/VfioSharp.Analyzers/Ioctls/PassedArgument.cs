using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace VfioSharp.Analyzers.Ioctls;

/// <summary>What a raw ioctl call passes as its argument.</summary>
internal enum PassedShape
{
    /// <summary>Nothing can be said: an <c>nint</c> from a parameter, a field, a call.</summary>
    Unknown,

    /// <summary>A pointer to storage of a known type.</summary>
    Pointer,

    /// <summary>A plain integer value (or a null pointer).</summary>
    Value,
}

/// <summary>
/// The argument of a raw ioctl call traced back to what it is: a pointer to a <c>T</c> (<c>&amp;x</c>,
/// a <c>fixed</c> pointer, <c>Unsafe.AsPointer(ref x)</c>, a <c>T*</c> local, <c>ref x</c>), or a value.
/// </summary>
internal sealed class PassedArgument
{
    private const int MaxAliasDepth = 4;

    public static readonly PassedArgument Unknown = new(PassedShape.Unknown, null, null, null, null);

    private PassedArgument(PassedShape shape, ITypeSymbol? type, IOperation? storage, IOperation? pointer, IOperation? value)
    {
        Shape = shape;
        Type = type;
        Storage = storage;
        PointerExpression = pointer;
        ValueExpression = value;
    }

    public PassedShape Shape { get; }

    /// <summary>The pointed-at type of a pointer; the value's type of a value.</summary>
    public ITypeSymbol? Type { get; }

    /// <summary>The variable whose address is passed (<c>x</c> of <c>&amp;x</c>), when it is written out.</summary>
    public IOperation? Storage { get; }

    /// <summary>The pointer expression passed, when no variable is written out (<c>p</c>, <c>(T*)buffer</c>).</summary>
    public IOperation? PointerExpression { get; }

    /// <summary>The value passed, without its conversion to <c>nint</c>.</summary>
    public IOperation? ValueExpression { get; }

    /// <summary>Whether the value is 0: a null pointer.</summary>
    public bool IsNull => Shape == PassedShape.Value && ValueExpression is not null && OperationValues.IsZero(ValueExpression);

    /// <summary>Whether the pointer is untyped memory (<c>void*</c>, <c>byte*</c>): a buffer that may hold anything.</summary>
    public bool IsUntypedBuffer => Shape == PassedShape.Pointer && (Type is null || Type.SpecialType is SpecialType.System_Void
                                                                     or SpecialType.System_Byte or SpecialType.System_SByte);

    public static PassedArgument Classify(IArgumentOperation argument, LocalDefinitions? definitions)
    {
        if (argument.Parameter is { RefKind: not RefKind.None })
        {
            return argument.Value.Type is { } type ? new PassedArgument(PassedShape.Pointer, type, argument.Value, null, null) : Unknown;
        }

        return Classify(argument.Value, definitions, 0);
    }

    private static PassedArgument Classify(IOperation operation, LocalDefinitions? definitions, int depth)
    {
        while (true)
        {
            switch (operation)
            {
                case IConversionOperation { OperatorMethod: null } conversion:
                    if (conversion.Type is IPointerTypeSymbol { PointedAtType.SpecialType: not SpecialType.System_Void } cast)
                    {
                        // (T*)buffer: the cast says what untyped memory holds; (T*)&u still passes a U.
                        var inner = Classify(conversion.Operand, definitions, depth);
                        return inner.Shape == PassedShape.Pointer && !inner.IsUntypedBuffer ? inner : Pointer(cast.PointedAtType, conversion);
                    }

                    operation = conversion.Operand;
                    continue;

                case IAddressOfOperation addressOf:
                    return addressOf.Reference.Type is { } referenced
                        ? new PassedArgument(PassedShape.Pointer, referenced, addressOf.Reference, null, null)
                        : Unknown;

                case IInvocationOperation invocation when OperationValues.IsAsPointer(invocation):
                    var target = invocation.Arguments[0].Value;
                    return target.Type is { } targetType ? new PassedArgument(PassedShape.Pointer, targetType, target, null, null) : Unknown;
            }

            if (OperationValues.PinnedAddress(operation) is { } pinned)
            {
                operation = pinned;
                continue;
            }

            if (operation.Type is IPointerTypeSymbol pointerType)
            {
                if (pointerType.PointedAtType.SpecialType == SpecialType.System_Void)
                {
                    return operation is ILocalReferenceOperation voidLocal && depth < MaxAliasDepth
                           && definitions?.SingleValueOf(voidLocal.Local) is { } voidValue
                        ? Classify(voidValue, definitions, depth + 1)
                        : Unknown;
                }

                return Pointer(pointerType.PointedAtType, operation);
            }

            if (OperationValues.IsPointerSized(operation.Type))
            {
                if (OperationValues.IsZero(operation))
                {
                    return new PassedArgument(PassedShape.Value, operation.Type, null, null, operation);
                }

                return operation is ILocalReferenceOperation local && depth < MaxAliasDepth
                       && definitions?.SingleValueOf(local.Local) is { } stored
                    ? Classify(stored, definitions, depth + 1)
                    : Unknown;
            }

            return OperationValues.IsIntegral(operation.Type)
                ? new PassedArgument(PassedShape.Value, operation.Type, null, null, operation)
                : Unknown;
        }
    }

    private static PassedArgument Pointer(ITypeSymbol pointedAt, IOperation pointer) => new(PassedShape.Pointer, pointedAt, null, pointer, null);
}
