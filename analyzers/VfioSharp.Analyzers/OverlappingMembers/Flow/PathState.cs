using System;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>
/// One abstract path (or a group of paths that agree on their mode facts) reaching a block.
/// <see cref="Imprecise"/> marks paths merged after the state bound was hit: their findings are
/// dropped, because merged mode facts could pair a store with a branch it never meets.
/// </summary>
internal sealed class PathState : IEquatable<PathState>
{
    public PathState(ModeFacts facts, FlowState flow, bool imprecise, FinallyContinuation? continuation)
    {
        Facts = facts;
        Flow = flow;
        Imprecise = imprecise;
        Continuation = continuation;
    }

    public static PathState Start { get; } = new(ModeFacts.None, FlowState.Empty, imprecise: false, continuation: null);

    public ModeFacts Facts { get; }

    public FlowState Flow { get; }

    public bool Imprecise { get; }

    public FinallyContinuation? Continuation { get; }

    public PathState WithFacts(ModeFacts facts) => ReferenceEquals(facts, Facts) ? this : new PathState(facts, Flow, Imprecise, Continuation);

    public PathState WithFlow(FlowState flow) => ReferenceEquals(flow, Flow) ? this : new PathState(Facts, flow, Imprecise, Continuation);

    public PathState WithContinuation(FinallyContinuation? continuation) => new(Facts, Flow, Imprecise, continuation);

    /// <summary>Whether the two can share one entry of a block's input: same exit route, same precision.</summary>
    public bool SharesRouteWith(PathState other)
        => Imprecise == other.Imprecise && FinallyContinuation.Equals(Continuation, other.Continuation);

    public bool Equals(PathState? other)
        => other is not null && SharesRouteWith(other) && Facts.Equals(other.Facts) && Flow.Equals(other.Flow);

    public override bool Equals(object? obj) => Equals(obj as PathState);

    public override int GetHashCode() => unchecked(Facts.GetHashCode() * 31 + Flow.GetHashCode());
}
