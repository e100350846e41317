using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using VfioSharp.Analyzers.Ioctls;

namespace VfioSharp.Analyzers.Results;

/// <summary>
/// The runtime's calls that report failure only through their result (a negative errno) and never
/// throw for it: <c>IoctlCall.Invoke</c>, the <c>IKernel</c> seam, and the generated <c>Try*</c> typed calls.
/// </summary>
internal static class NonThrowingCalls
{
    private static readonly HashSet<string> KernelMethods = new()
    {
        "Ioctl", "Open", "Close", "Mmap", "Munmap", "EventFd", "Read", "Write", "PRead", "PWrite", "Poll",
        "ReadText", "ReadLink", "ListDirectory",
    };

    /// <summary>The call's name for a message, or null when it is not a non-throwing call.</summary>
    public static string? NameOf(IMethodSymbol method)
    {
        if (method.Name == "Invoke" && method.IsStatic && KnownSymbols.Is(method.ContainingType, KnownSymbols.IoctlsNamespace, "IoctlCall"))
        {
            return "IoctlCall.Invoke";
        }

        if (!method.IsStatic && KernelMethods.Contains(method.Name) && KnownSymbols.IsKernel(method.ContainingType))
        {
            return method.ContainingType.Name + "." + method.Name;
        }

        return TypedIoctlCalls.IsTryCall(method) ? method.Name : null;
    }
}
