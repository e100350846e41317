using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.Ioctls;

/// <summary>
/// The runtime's types, matched by name and namespace: the runtime assembly may be referenced, or
/// the types declared in source (tests, a driver that vendors them), so no symbol identity is assumed.
/// </summary>
internal static class KnownSymbols
{
    public const string RootNamespace = "VfioSharp";
    public const string HandlesNamespace = "VfioSharp.Handles";
    public const string IoctlsNamespace = "VfioSharp.Ioctls";
    public const string KernelNamespace = "VfioSharp.Kernel";

    /// <summary>Whether <paramref name="symbol"/> is the type <paramref name="name"/> of namespace <paramref name="ns"/>.</summary>
    public static bool Is(ISymbol? symbol, string ns, string name)
        => symbol is INamedTypeSymbol { ContainingType: null } type
           && type.Name == name
           && IsNamespace(type.ContainingNamespace, ns);

    /// <summary>Whether <paramref name="symbol"/> is the namespace spelled <paramref name="dotted"/>, compared part by part without allocating.</summary>
    public static bool IsNamespace(INamespaceSymbol? symbol, string dotted)
    {
        var end = dotted.Length;
        while (symbol is { IsGlobalNamespace: false })
        {
            var start = dotted.LastIndexOf('.', end - 1) + 1;
            var length = end - start;
            if (length != symbol.Name.Length || string.CompareOrdinal(dotted, start, symbol.Name, 0, length) != 0)
            {
                return false;
            }

            symbol = symbol.ContainingNamespace;
            end = start - 1;
            if (end < 0)
            {
                return symbol is null or { IsGlobalNamespace: true };
            }
        }

        return false;
    }

    /// <summary>
    /// Whether the compilation can see a type of this metadata name, declared in source or referenced
    /// (several count too: a type declared twice is still there). Rules bail out early without it.
    /// </summary>
    public static bool Declares(Compilation compilation, string metadataName)
        => !compilation.GetTypesByMetadataName(metadataName).IsEmpty;

    /// <summary>Whether the compilation can see the <c>[IoctlRequest]</c> attribute: without it there are no request constants.</summary>
    public static bool HasIoctlRequests(Compilation compilation) => Declares(compilation, RootNamespace + ".IoctlRequestAttribute");

    /// <summary>Whether <paramref name="type"/> is or derives from the runtime's <c>KernelFileHandle</c>.</summary>
    public static bool IsKernelFileHandle(ITypeSymbol? type)
    {
        for (var current = type as INamedTypeSymbol; current is not null; current = current.BaseType)
        {
            if (Is(current, HandlesNamespace, "KernelFileHandle"))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the type implements (or is) the runtime's <c>IKernel</c>.</summary>
    public static bool IsKernel(ITypeSymbol? type)
    {
        if (type is null)
        {
            return false;
        }

        if (Is(type, KernelNamespace, "IKernel"))
        {
            return true;
        }

        foreach (var implemented in type.AllInterfaces)
        {
            if (Is(implemented, KernelNamespace, "IKernel"))
            {
                return true;
            }
        }

        return false;
    }
}
