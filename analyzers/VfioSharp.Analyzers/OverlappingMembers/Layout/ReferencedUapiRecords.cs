using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>
/// The generated uapi records that a compilation can use from its references: structs of
/// referenced assemblies with a <c>[VfioSharp.UapiField]</c> field, accessible from the
/// compilation. Only assemblies that define the attribute or reference an assembly that does are
/// searched, so the framework's assemblies cost nothing.
/// </summary>
internal static class ReferencedUapiRecords
{
    private const string AttributeMetadataName = "VfioSharp.UapiFieldAttribute";

    public static IEnumerable<INamedTypeSymbol> Find(Compilation compilation, CancellationToken cancellationToken)
        => SearchedAssemblies(compilation).SelectMany(assembly => Find(compilation, assembly, cancellationToken));

    /// <summary>The referenced assemblies that can hold uapi records: those that define the attribute or reference one that does.</summary>
    public static IEnumerable<IAssemblySymbol> SearchedAssemblies(Compilation compilation)
    {
        var references = compilation.SourceModule.ReferencedAssemblySymbols;
        var definers = new HashSet<string>(
            references.Where(a => a.GetTypeByMetadataName(AttributeMetadataName) is not null).Select(a => a.Identity.Name),
            System.StringComparer.Ordinal);
        if (definers.Count == 0)
        {
            return Enumerable.Empty<IAssemblySymbol>();
        }

        return references.Where(assembly => definers.Contains(assembly.Identity.Name)
                                            || assembly.Modules.Any(m => m.ReferencedAssemblies.Any(r => definers.Contains(r.Name))));
    }

    /// <summary>The uapi records of one referenced assembly that the compilation can use.</summary>
    public static IEnumerable<INamedTypeSymbol> Find(Compilation compilation, IAssemblySymbol assembly, CancellationToken cancellationToken)
    {
        var pending = new Stack<INamespaceOrTypeSymbol>();
        pending.Push(assembly.GlobalNamespace);
        while (pending.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var container = pending.Pop();
            if (container is INamespaceSymbol ns)
            {
                foreach (var inner in ns.GetNamespaceMembers())
                {
                    pending.Push(inner);
                }
            }

            // Type members only: the methods of the generated ioctl classes are never loaded.
            foreach (var type in container.GetTypeMembers())
            {
                if (!compilation.IsSymbolAccessibleWithin(type, compilation.Assembly))
                {
                    continue;
                }

                pending.Push(type);
                if (type.TypeKind == TypeKind.Struct && HasUapiField(type))
                {
                    yield return type;
                }
            }
        }
    }

    private static bool HasUapiField(INamedTypeSymbol type)
        => StructLayoutCatalog.InstanceFields(type).Any(f => UapiFieldRange.Read(f) is not null);
}
