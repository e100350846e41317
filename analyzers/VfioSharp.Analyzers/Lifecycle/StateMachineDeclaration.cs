using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.Lifecycle;

/// <summary>
/// What a runtime type declares about its lifecycle: the states (<c>[StateMachine]</c>), and per member the
/// states it needs (<c>[RequiresState]</c>), where it leads (<c>[TransitionsTo]</c>), and what a factory
/// returns (<c>[ReturnsState]</c>). The runtime checks calls against the same attributes at run time.
/// </summary>
internal sealed class StateMachineDeclaration
{
    private readonly Dictionary<string, MemberRule> _rules;

    private StateMachineDeclaration(INamedTypeSymbol type, INamedTypeSymbol stateType, ulong initial, Dictionary<string, MemberRule> rules)
    {
        Type = type;
        StateType = stateType;
        Initial = initial;
        _rules = rules;
    }

    public INamedTypeSymbol Type { get; }

    public INamedTypeSymbol StateType { get; }

    /// <summary>The initial state as a one-bit mask.</summary>
    public ulong Initial { get; }

    /// <summary>Reads the declaration of <paramref name="type"/>, or null when it declares no state machine.</summary>
    public static StateMachineDeclaration? Read(INamedTypeSymbol type, LifecycleSymbols symbols)
    {
        var machine = type.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, symbols.StateMachine));
        if (machine is null
            || machine.ConstructorArguments.Length != 2
            || machine.ConstructorArguments[0].Value is not INamedTypeSymbol { TypeKind: TypeKind.Enum } stateType
            || StateMask.Of(machine.ConstructorArguments[1]) is not { } initial)
        {
            return null;
        }

        var rules = new Dictionary<string, MemberRule>();
        foreach (var member in type.GetMembers())
        {
            if (member is not (IMethodSymbol or IPropertySymbol))
            {
                continue;
            }

            ulong allowed = ulong.MaxValue;
            ulong? next = null;
            string? missingStep = null;
            var declared = false;
            foreach (var attribute in member.GetAttributes())
            {
                if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, symbols.RequiresState))
                {
                    allowed = StateMask.OfParams(attribute);
                    missingStep = attribute.NamedArguments.FirstOrDefault(a => a.Key == "MissingStep").Value.Value as string;
                    declared = true;
                }
                else if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, symbols.TransitionsTo)
                         && attribute.ConstructorArguments.Length == 1
                         && StateMask.Of(attribute.ConstructorArguments[0]) is { } to)
                {
                    next = to;
                    declared = true;
                }
            }

            if (declared)
            {
                // Overloads share a name (the runtime checks by name too) and declare the same.
                rules[member.Name] = new MemberRule(allowed, next, missingStep);
            }
        }

        return new StateMachineDeclaration(type, stateType, initial, rules);
    }

    public bool TryGetRule(string member, out MemberRule rule) => _rules.TryGetValue(member, out rule);

    /// <summary>The names of the states in <paramref name="mask"/>, in declaration order, joined by "or".</summary>
    public string Describe(ulong mask)
    {
        var names = StateType.GetMembers().OfType<IFieldSymbol>()
            .Where(f => f.HasConstantValue && StateMask.Bit(f.ConstantValue) is { } bit && (mask & bit) != 0)
            .Select(f => f.Name)
            .ToList();
        return names.Count == 0 ? "(no state)" : string.Join(" or ", names);
    }
}
