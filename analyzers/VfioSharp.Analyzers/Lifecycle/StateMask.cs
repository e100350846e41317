using System;
using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.Lifecycle;

/// <summary>Sets of states as bit masks over the state enum's values (0..63), read from attribute arguments.</summary>
internal static class StateMask
{
    /// <summary>Every state: nothing is known.</summary>
    public const ulong Unknown = ulong.MaxValue;

    public static ulong? Bit(object? value)
    {
        long number;
        try
        {
            number = Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception exception) when (exception is InvalidCastException or FormatException or OverflowException)
        {
            return null;
        }

        return number is >= 0 and < 64 ? 1UL << (int)number : null;
    }

    /// <summary>The bit of one enum value passed as an <c>object</c> attribute argument.</summary>
    public static ulong? Of(TypedConstant constant)
        => constant.Kind == TypedConstantKind.Enum || constant.Kind == TypedConstantKind.Primitive ? Bit(constant.Value) : null;

    /// <summary>The mask of a <c>params object[]</c> attribute argument; every state when it can't be read.</summary>
    public static ulong OfParams(AttributeData attribute)
    {
        if (attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Kind != TypedConstantKind.Array)
        {
            return Unknown;
        }

        ulong mask = 0;
        foreach (var value in attribute.ConstructorArguments[0].Values)
        {
            if (Of(value) is not { } bit)
            {
                return Unknown;
            }

            mask |= bit;
        }

        return mask;
    }
}
