using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.Lifecycle;

/// <summary>A call on a local in states none of which allows it.</summary>
internal sealed class LifecycleViolation
{
    public LifecycleViolation(IOperation call, ILocalSymbol local, string member, StateMachineDeclaration machine, ulong possible, MemberRule rule)
    {
        Call = call;
        Local = local;
        Member = member;
        Machine = machine;
        Possible = possible;
        Rule = rule;
    }

    public IOperation Call { get; }

    public ILocalSymbol Local { get; }

    public string Member { get; }

    public StateMachineDeclaration Machine { get; }

    public ulong Possible { get; }

    public MemberRule Rule { get; }
}
