using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace VfioSharp.Analyzers.Ioctls;

/// <summary>
/// What kind of descriptor an fd operand is, and how that is known: the static type of a handle
/// (when it is a specific handle type), or, for an integer fd, what produced it — an ioctl that
/// returns a descriptor of a kind (<c>VFIO_GROUP_GET_DEVICE_FD</c>), a handle's raw fd, or the open
/// of a VFIO device path. A local counts when every value stored into it agrees.
/// </summary>
internal readonly struct FdOrigin
{
    private const int MaxDepth = 4;

    private FdOrigin(string kind, string source)
    {
        Kind = kind;
        Source = source;
    }

    /// <summary>The fd kind (a member name of <c>FdKind</c>).</summary>
    public string Kind { get; }

    /// <summary>How the kind is known, for the message: "'device' is a DeviceHandle".</summary>
    public string Source { get; }

    /// <summary>
    /// The origin of <paramref name="fd"/>, or null when its kind is unknown. <paramref name="definitions"/>
    /// is asked for only when a local must be followed.
    /// </summary>
    public static FdOrigin? Of(IOperation fd, Func<LocalDefinitions> definitions, IoctlRequestCatalog catalog)
        => Of(fd, definitions, catalog, 0);

    private static FdOrigin? Of(IOperation fd, Func<LocalDefinitions> definitions, IoctlRequestCatalog catalog, int depth)
    {
        var operation = OperationValues.SkipConversions(fd);
        if (FdKinds.OfHandleType(operation.Type) is { } declared)
        {
            return new FdOrigin(declared, $"'{Shorten(operation.Syntax)}' is a {operation.Type!.Name}");
        }

        switch (operation)
        {
            case IInvocationOperation invocation:
                return OfCall(invocation, catalog);
            case ILocalReferenceOperation { Local: { IsRef: false } local } when depth < MaxDepth:
                if (definitions().ValuesOf(local) is not { Count: > 0 } values)
                {
                    return null;
                }

                FdOrigin? agreed = null;
                foreach (var value in values)
                {
                    var origin = Of(value, definitions, catalog, depth + 1);
                    if (origin is null || (agreed is not null && agreed.Value.Kind != origin.Value.Kind))
                    {
                        return null;
                    }

                    agreed ??= origin;
                }

                return agreed is { } found ? new FdOrigin(found.Kind, found.AsSourceOf(local.Name)) : null;
            default:
                return null;
        }
    }

    private static FdOrigin? OfCall(IInvocationOperation invocation, IoctlRequestCatalog catalog)
    {
        var method = invocation.TargetMethod;
        if (method.Name is "DangerousGetFd" or "DangerousGetHandle"
            && invocation.Instance is { } instance
            && FdKinds.OfHandleType(OperationValues.SkipConversions(instance).Type) is { } handleKind)
        {
            return new FdOrigin(handleKind, $"it is the fd of '{Shorten(instance.Syntax)}', a {OperationValues.SkipConversions(instance).Type!.Name}");
        }

        if (RawIoctlCall.Match(invocation, catalog) is { } call && catalog.ProducedKind(call.Request) is { } produced)
        {
            return new FdOrigin(produced, $"it is returned by {call.Request.Name}");
        }

        if (method.Name == "Open" && KnownSymbols.IsKernel(method.ContainingType) && invocation.Arguments.Length > 0)
        {
            var path = OperationValues.SkipConversions(invocation.Arguments[0].Value);
            if (path.ConstantValue is { HasValue: true, Value: string constant } && FdKinds.OfPath(constant) is { } opened)
            {
                return new FdOrigin(opened, $"it is opened from {constant}");
            }

            if (path is IInterpolatedStringOperation interpolated
                && interpolated.Parts.Length > 1
                && interpolated.Parts[0] is IInterpolatedStringTextOperation { Text.ConstantValue: { HasValue: true, Value: string prefix } }
                && interpolated.Parts[1] is IInterpolationOperation
                && FdKinds.OfPathPrefix(prefix) is { } openedPrefix)
            {
                return new FdOrigin(openedPrefix, $"it is opened from {prefix}...");
            }
        }

        return null;
    }

    /// <summary>The source said of a local that holds the fd: "it is returned by X" becomes "'fd' is returned by X".</summary>
    private string AsSourceOf(string local)
        => Source.StartsWith("it is ", StringComparison.Ordinal) ? $"'{local}' is " + Source.Substring("it is ".Length) : Source;

    /// <summary>An expression's text for a message: kept short.</summary>
    public static string Shorten(SyntaxNode syntax)
    {
        var text = syntax.ToString();
        return text.Length <= 40 ? text : text.Substring(0, 37) + "...";
    }
}
