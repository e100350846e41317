using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.Lifecycle;

/// <summary>The runtime's lifecycle attributes, as a compilation sees them.</summary>
internal sealed class LifecycleSymbols
{
    private const string Namespace = "VfioSharp.Lifecycle.";

    private LifecycleSymbols(INamedTypeSymbol stateMachine, INamedTypeSymbol? requiresState, INamedTypeSymbol? transitionsTo, INamedTypeSymbol? returnsState, INamedTypeSymbol? disposable)
    {
        StateMachine = stateMachine;
        RequiresState = requiresState;
        TransitionsTo = transitionsTo;
        ReturnsState = returnsState;
        Disposable = disposable;
    }

    public INamedTypeSymbol StateMachine { get; }

    public INamedTypeSymbol? RequiresState { get; }

    public INamedTypeSymbol? TransitionsTo { get; }

    public INamedTypeSymbol? ReturnsState { get; }

    public INamedTypeSymbol? Disposable { get; }

    /// <summary>The symbols, or null when the compilation can't see the runtime's declarations.</summary>
    public static LifecycleSymbols? From(Compilation compilation)
        => compilation.GetTypeByMetadataName(Namespace + "StateMachineAttribute") is { } stateMachine
            ? new LifecycleSymbols(
                stateMachine,
                compilation.GetTypeByMetadataName(Namespace + "RequiresStateAttribute"),
                compilation.GetTypeByMetadataName(Namespace + "TransitionsToAttribute"),
                compilation.GetTypeByMetadataName(Namespace + "ReturnsStateAttribute"),
                compilation.GetSpecialType(SpecialType.System_IDisposable))
            : null;
}
