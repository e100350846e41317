using VfioSharp.Handles;

namespace VfioSharp;

/// <summary>
/// What an ioctl request constant is issued on and with, from the ioctl table: the generator puts it on every
/// request constant, so that analyzers (VFIO004, VFIO005) can check raw calls even across assemblies.
/// </summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class IoctlRequestAttribute : Attribute
{
    /// <summary>Records the request's fd kind, argument type (null: none) and direction.</summary>
    public IoctlRequestAttribute(FdKind fdKind, Type? argument, IoctlArgumentDirection direction)
    {
        FdKind = fdKind;
        Argument = argument;
        Direction = direction;
    }

    /// <summary>The fd kind the request is issued on.</summary>
    public FdKind FdKind { get; }

    /// <summary>The argument's type: a uapi record, a scalar, or null without an argument.</summary>
    public Type? Argument { get; }

    /// <summary>Which way the argument travels.</summary>
    public IoctlArgumentDirection Direction { get; }

    /// <summary>The record's size field (<c>argsz</c>/<c>size</c>) the caller must fill, or null.</summary>
    public string? SizeField { get; init; }

    /// <summary>Whether the argument is passed as a value rather than through a pointer.</summary>
    public bool PassedByValue { get; init; }
}
