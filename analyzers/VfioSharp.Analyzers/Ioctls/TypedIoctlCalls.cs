using System.Linq;
using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.Ioctls;

/// <summary>
/// The generated typed calls of a request: extension methods <c>Try{REQUEST}</c> (returns the result
/// or -errno) and <c>{REQUEST}</c> (throws) in the static class <c>{header}_ioctls</c> that sits beside
/// the request's <c>{header}</c> class (GENERATED.md, "Typed ioctl calls").
/// </summary>
internal static class TypedIoctlCalls
{
    /// <summary>The class holding the typed calls of the request's header, if it exists.</summary>
    public static INamedTypeSymbol? ClassOf(IoctlRequest request)
    {
        var header = request.Field.ContainingType;
        if (header is null || header.ContainingType is not null)
        {
            return null;
        }

        return header.ContainingNamespace.GetTypeMembers(header.Name + "_ioctls").FirstOrDefault(t => t.IsStatic);
    }

    /// <summary>
    /// The fd kind of the descriptor the request returns: the handle type its throwing call returns,
    /// or its Try call puts out (<c>VFIO_GROUP_GET_DEVICE_FD</c> returns a <c>DeviceHandle</c>).
    /// </summary>
    public static string? ProducedKind(IoctlRequest request)
    {
        var calls = ClassOf(request);
        if (calls is null)
        {
            return null;
        }

        foreach (var method in calls.GetMembers(request.Name).OfType<IMethodSymbol>())
        {
            if (FdKinds.OfHandleType(method.ReturnType) is { } kind)
            {
                return kind;
            }
        }

        foreach (var method in calls.GetMembers("Try" + request.Name).OfType<IMethodSymbol>())
        {
            foreach (var parameter in method.Parameters)
            {
                if (parameter.RefKind == RefKind.Out && FdKinds.OfHandleType(parameter.Type) is { } kind)
                {
                    return kind;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The Try call of <paramref name="request"/> on <paramref name="handleType"/> with exactly
    /// <paramref name="argumentCount"/> arguments after the handle, or null.
    /// </summary>
    public static IMethodSymbol? TryCall(IoctlRequest request, ITypeSymbol handleType, int argumentCount)
    {
        var calls = ClassOf(request);
        if (calls is null)
        {
            return null;
        }

        foreach (var method in calls.GetMembers("Try" + request.Name).OfType<IMethodSymbol>())
        {
            if (method.IsExtensionMethod
                && method.Parameters.Length == argumentCount + 1
                && SymbolEqualityComparer.Default.Equals(method.Parameters[0].Type, handleType)
                && method.ReturnType.SpecialType == SpecialType.System_Int64)
            {
                return method;
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="method"/> is a generated Try call: it returns -errno instead of throwing.</summary>
    public static bool IsTryCall(IMethodSymbol method)
        => method is { IsStatic: true, IsExtensionMethod: true }
           && method.ReturnType.SpecialType == SpecialType.System_Int64
           && method.Name.StartsWith("Try", System.StringComparison.Ordinal)
           && method.ContainingType is { } type
           && type.Name.EndsWith("_ioctls", System.StringComparison.Ordinal)
           && method.Parameters.Length > 0
           && KnownSymbols.IsKernelFileHandle(method.Parameters[0].Type);
}
