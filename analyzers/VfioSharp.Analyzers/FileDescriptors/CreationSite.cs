using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.FileDescriptors;

/// <summary>
/// A place that makes a new instance of a type with fd members: <c>new T(...)</c> (with or without
/// an object initializer), <c>default(T)</c>, or <c>new S()</c> of a struct without a parameterless
/// constructor. Flow through locals from here on decides whether an fd member is read before
/// anything assigns it.
/// </summary>
internal sealed class CreationSite
{
    public CreationSite(
        int index,
        INamedTypeSymbol type,
        IMethodSymbol? constructor,
        ImmutableArray<ISymbol> members,
        SyntaxNode syntax,
        ISymbol containingSymbol)
    {
        Index = index;
        Type = type;
        Constructor = constructor;
        Members = members;
        Syntax = syntax;
        ContainingSymbol = containingSymbol;
    }

    /// <summary>Position of the site in its body's site list.</summary>
    public int Index { get; }

    /// <summary>The created type.</summary>
    public INamedTypeSymbol Type { get; }

    /// <summary>
    /// The constructor that runs (original definition), or null when the memory is zeroed without
    /// running any code: <c>default(T)</c>, or <c>new S()</c> of a struct that declares no
    /// parameterless constructor (field initializers don't run then either).
    /// </summary>
    public IMethodSymbol? Constructor { get; }

    /// <summary>The fd members of <see cref="Type"/>, indexed as the flow's facts index them.</summary>
    public ImmutableArray<ISymbol> Members { get; }

    /// <summary>The creating expression.</summary>
    public SyntaxNode Syntax { get; }

    /// <summary>The member whose body holds the site: what the code fix's accessibility check is relative to.</summary>
    public ISymbol ContainingSymbol { get; }

    /// <summary>Whether the instance comes out zeroed, whatever the type's constructors and initializers do.</summary>
    public bool IsZeroed => Constructor is null;
}
