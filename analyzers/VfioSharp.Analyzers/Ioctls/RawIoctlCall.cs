using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace VfioSharp.Analyzers.Ioctls;

/// <summary>
/// A call that issues an ioctl by number: <c>IoctlCall.Invoke(handle, request, argument)</c>,
/// <c>IKernel.Ioctl(fd, request, argument)</c>, or any method with the same shape — an fd or handle,
/// then an integer parameter given an annotated request constant, then (optionally) the argument.
/// Typed calls (<c>device.VFIO_DEVICE_GET_INFO(ref info)</c>) name no request and never match.
/// </summary>
internal sealed class RawIoctlCall
{
    private RawIoctlCall(IInvocationOperation invocation, IoctlRequest request, IArgumentOperation fd, IArgumentOperation? argument)
    {
        Invocation = invocation;
        Request = request;
        Fd = fd;
        Argument = argument;
    }

    public IInvocationOperation Invocation { get; }

    public IoctlRequest Request { get; }

    /// <summary>The descriptor: a handle or an integer fd.</summary>
    public IArgumentOperation Fd { get; }

    /// <summary>The ioctl's argument, when the method takes one.</summary>
    public IArgumentOperation? Argument { get; }

    public static RawIoctlCall? Match(IInvocationOperation invocation, IoctlRequestCatalog catalog)
    {
        var arguments = invocation.Arguments;
        if (arguments.Length < 2)
        {
            return null;
        }

        IArgumentOperation? requestArgument = null;
        IoctlRequest? request = null;
        foreach (var argument in arguments)
        {
            if (argument.Parameter is not { } parameter
                || argument.ArgumentKind != ArgumentKind.Explicit
                || !OperationValues.IsIntegral(parameter.Type)
                || OperationValues.SkipConversions(argument.Value) is not IFieldReferenceOperation { Field: var field })
            {
                continue;
            }

            request = catalog.Get(field);
            if (request is not null)
            {
                requestArgument = argument;
                break;
            }
        }

        if (requestArgument?.Parameter is not { Ordinal: > 0 } requestParameter || request is null)
        {
            return null;
        }

        var fd = ByOrdinal(invocation, requestParameter.Ordinal - 1);
        if (fd?.Parameter is not { } fdParameter
            || !(OperationValues.IsIntegral(fdParameter.Type) || KnownSymbols.IsKernelFileHandle(fdParameter.Type)))
        {
            return null;
        }

        var argumentAfter = ByOrdinal(invocation, requestParameter.Ordinal + 1);
        return new RawIoctlCall(invocation, request, fd, argumentAfter is { ArgumentKind: ArgumentKind.Explicit } ? argumentAfter : null);
    }

    private static IArgumentOperation? ByOrdinal(IInvocationOperation invocation, int ordinal)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter?.Ordinal == ordinal)
            {
                return argument;
            }
        }

        return null;
    }
}
