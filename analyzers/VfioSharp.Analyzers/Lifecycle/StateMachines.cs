using System.Collections.Concurrent;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.Lifecycle;

/// <summary>The state-machine declarations of one compilation, read once per type.</summary>
internal sealed class StateMachines
{
    private readonly LifecycleSymbols _symbols;
    private readonly ConcurrentDictionary<ITypeSymbol, StateMachineDeclaration?> _declarations = new(SymbolEqualityComparer.Default);

    public StateMachines(LifecycleSymbols symbols)
    {
        _symbols = symbols;
    }

    /// <summary>The declaration of <paramref name="type"/> (or of the class it derives from), or null.</summary>
    public StateMachineDeclaration? Of(ITypeSymbol? type)
    {
        if (type is not INamedTypeSymbol { TypeKind: TypeKind.Class } named)
        {
            return null;
        }

        return _declarations.GetOrAdd(named.OriginalDefinition, t => StateMachineDeclaration.Read((INamedTypeSymbol)t, _symbols));
    }

    /// <summary>What a factory declares it returns (<c>[ReturnsState]</c>), as a mask; null when it declares nothing.</summary>
    public ulong? Returned(ISymbol member)
    {
        var returnType = member switch
        {
            IMethodSymbol method => method.ReturnType,
            IPropertySymbol property => property.Type,
            _ => null,
        };
        if (Of(returnType) is null || _symbols.ReturnsState is null)
        {
            return null;
        }

        var attribute = member.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, _symbols.ReturnsState));
        if (attribute is null)
        {
            return null;
        }

        var mask = StateMask.OfParams(attribute);
        return mask == StateMask.Unknown ? null : mask;
    }
}
