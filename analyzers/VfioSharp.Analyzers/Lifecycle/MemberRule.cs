namespace VfioSharp.Analyzers.Lifecycle;

/// <summary>One member's declaration: the states it may be called in, where it leads, and the missing step to name.</summary>
internal readonly struct MemberRule
{
    public MemberRule(ulong allowed, ulong? next, string? missingStep)
    {
        Allowed = allowed;
        Next = next;
        MissingStep = missingStep;
    }

    /// <summary>The allowed states as a bit mask over the state enum's values.</summary>
    public ulong Allowed { get; }

    /// <summary>The state after a successful call, as a one-bit mask; null when the call keeps the state.</summary>
    public ulong? Next { get; }

    public string? MissingStep { get; }
}
