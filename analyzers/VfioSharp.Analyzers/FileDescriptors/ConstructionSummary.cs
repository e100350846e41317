using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.FileDescriptors;

/// <summary>
/// What one constructor, method, accessor or local function does to the fd members of
/// <c>this</c> on every path to its normal exit: the members it assigns, and the methods of the
/// same instance it calls (their own summaries are consulted once every body has been seen, so a
/// constructor that calls <c>OpenDevice()</c> counts as assigning what <c>OpenDevice()</c> assigns).
/// </summary>
internal sealed class ConstructionSummary
{
    public ConstructionSummary(IMethodSymbol method, ImmutableHashSet<ISymbol>? exitFacts, IMethodSymbol? chainedConstructor)
    {
        Method = method;
        ExitFacts = exitFacts;
        ChainedConstructor = chainedConstructor;
    }

    /// <summary>The summarized body's symbol (its original definition).</summary>
    public IMethodSymbol Method { get; }

    /// <summary>Members assigned and methods called on every path to the normal exit; null when no path returns normally.</summary>
    public ImmutableHashSet<ISymbol>? ExitFacts { get; }

    /// <summary>The constructor named by <c>: this(...)</c> or <c>: base(...)</c>, if any.</summary>
    public IMethodSymbol? ChainedConstructor { get; }

    /// <summary>
    /// Whether the constructor delegates to another constructor of its own type, in which case
    /// field initializers run there and not here.
    /// </summary>
    public bool ChainsToOwnType
        => ChainedConstructor is not null
           && SymbolEqualityComparer.Default.Equals(ChainedConstructor.ContainingType, Method.ContainingType);
}
