using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>
/// The names of the overlapping field pairs of the uapi records that referenced assemblies offer,
/// worked out once per version of each assembly rather than once per compilation.
/// </summary>
/// <remarks>
/// Finding them means reading the <c>[UapiField]</c> attributes of every field of every record of
/// the runtime and laying the records out: tens of milliseconds, which a compiler server or an IDE
/// would otherwise pay on every build or keystroke for an assembly that has not changed. An
/// assembly version is its module's MVID (a new build gets a new one); the compilation's own name
/// is part of the key because <c>InternalsVisibleTo</c> can make more records accessible to it.
/// Only names are kept, never symbols, so the cache holds on to no compilation.
/// </remarks>
internal static class ReferencedUnionNames
{
    private static readonly ConcurrentDictionary<(Guid Module, string? User), ImmutableArray<(string Name, string Partner)>> Cache = new();

    public static IEnumerable<(string Name, string Partner)> Find(Compilation compilation, CancellationToken cancellationToken)
    {
        foreach (var assembly in ReferencedUapiRecords.SearchedAssemblies(compilation))
        {
            var module = ModuleVersion(assembly);
            if (module is not { } version)
            {
                foreach (var pair in Pairs(compilation, assembly, cancellationToken))
                {
                    yield return pair;
                }

                continue;
            }

            var key = (version, compilation.AssemblyName);
            if (!Cache.TryGetValue(key, out var pairs))
            {
                pairs = Pairs(compilation, assembly, cancellationToken).ToImmutableArray();
                Cache.TryAdd(key, pairs);
            }

            foreach (var pair in pairs)
            {
                yield return pair;
            }
        }
    }

    private static IEnumerable<(string Name, string Partner)> Pairs(Compilation compilation, IAssemblySymbol assembly, CancellationToken cancellationToken)
    {
        // A catalog of its own: a shared one would keep this assembly's symbols alive in the session.
        var catalog = new StructLayoutCatalog(compilation);
        foreach (var type in ReferencedUapiRecords.Find(compilation, assembly, cancellationToken))
        {
            foreach (var pair in OverlappingMemberIndex.OverlappingPairs(catalog, type))
            {
                yield return pair;
            }
        }
    }

    private static Guid? ModuleVersion(IAssemblySymbol assembly)
    {
        try
        {
            var modules = assembly.GetMetadata()?.GetModules();
            return modules is { Length: > 0 } ? modules.Value[0].GetModuleVersionId() : null;
        }
        catch (BadImageFormatException)
        {
            return null;
        }
    }
}
