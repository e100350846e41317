using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.FileDescriptors;

/// <summary>A read of an fd member somewhere in the compilation.</summary>
internal readonly struct MemberRead
{
    public MemberRead(ISymbol member, Location location, bool throughThis)
    {
        Member = member;
        Location = location;
        ThroughThis = throughThis;
    }

    /// <summary>The member read (original definition).</summary>
    public ISymbol Member { get; }

    /// <summary>Where it is read.</summary>
    public Location Location { get; }

    /// <summary>Whether the receiver is <c>this</c>, so the facts of the enclosing body say whether it was assigned first.</summary>
    public bool ThroughThis { get; }
}

/// <summary>A read or an escape, on some path from a <see cref="CreationSite"/>, of an fd member still at 0.</summary>
internal readonly struct SiteFinding
{
    public SiteFinding(CreationSite site, ISymbol member, Location location)
    {
        Site = site;
        Member = member;
        Location = location;
    }

    public CreationSite Site { get; }

    public ISymbol Member { get; }

    public Location Location { get; }
}

/// <summary>
/// Everything the per-body analyses learn about fd members, gathered across the compilation so
/// that the verdict can weigh constructors, factories and creation sites in other files and types.
/// Written concurrently by operation and operation-block actions; read once at compilation end.
/// </summary>
internal sealed class FileDescriptorObservations
{
    public ConcurrentBag<MemberRead> Reads { get; } = new();

    /// <summary>Members assigned a value other than the constant 0 somewhere (initializers excluded).</summary>
    public ConcurrentDictionary<ISymbol, bool> Written { get; } = new(SymbolEqualityComparer.Default);

    /// <summary>Members with an initializer; the value says whether it is something other than the constant 0.</summary>
    public ConcurrentDictionary<ISymbol, bool> InitializerAssigns { get; } = new(SymbolEqualityComparer.Default);

    /// <summary>Structs whose memory is handed to code that may fill every member: by ref, by pointer, or as a generic type argument.</summary>
    public ConcurrentDictionary<ITypeSymbol, bool> OpaqueStructs { get; } = new(SymbolEqualityComparer.Default);

    public ConcurrentDictionary<IMethodSymbol, ConstructionSummary> Summaries { get; } = new(SymbolEqualityComparer.Default);

    /// <summary>For each read through <c>this</c>: the facts established on every path before it in its body.</summary>
    public ConcurrentDictionary<Location, ImmutableHashSet<ISymbol>> ThisReadFacts { get; } = new();

    /// <summary>Every <c>new T(...)</c> of a type with fd members, by the constructor it runs.</summary>
    public ConcurrentDictionary<IMethodSymbol, ConcurrentBag<Location>> CreationsByConstructor { get; } = new(SymbolEqualityComparer.Default);

    /// <summary>Reads of an fd member that the creation-site flow proved assigned.</summary>
    public ConcurrentDictionary<Location, bool> AssignedReads { get; } = new();

    public ConcurrentBag<SiteFinding> ReadsAtZero { get; } = new();

    public ConcurrentBag<SiteFinding> EscapesAtZero { get; } = new();

    public void RecordThisReadFacts(Location location, ImmutableHashSet<ISymbol> facts)
        => ThisReadFacts.AddOrUpdate(location, facts, (_, existing) => existing.Intersect(facts));

    public void RecordCreation(IMethodSymbol constructor, Location location)
        => CreationsByConstructor.GetOrAdd(constructor, static _ => new ConcurrentBag<Location>()).Add(location);

    public IReadOnlyCollection<Location> CreationsOf(IMethodSymbol constructor)
        => CreationsByConstructor.TryGetValue(constructor, out var sites) ? sites : (IReadOnlyCollection<Location>)ImmutableArray<Location>.Empty;
}
