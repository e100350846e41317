using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>
/// Where a path goes once the finally block it is running ends: the next finally to run on the way
/// out, or the destination of the branch that left the try. Carried by each path so that a finally
/// shared by many exits does not merge their paths.
/// </summary>
internal sealed class FinallyContinuation : IEquatable<FinallyContinuation>
{
    public FinallyContinuation(ImmutableArray<ControlFlowRegion> remainingFinallyRegions, BasicBlock? destination, FinallyContinuation? outer)
    {
        RemainingFinallyRegions = remainingFinallyRegions;
        Destination = destination;
        Outer = outer;
    }

    public ImmutableArray<ControlFlowRegion> RemainingFinallyRegions { get; }

    public BasicBlock? Destination { get; }

    /// <summary>The continuation of the finally block this one runs inside, if any.</summary>
    public FinallyContinuation? Outer { get; }

    public bool Equals(FinallyContinuation? other)
    {
        if (other is null)
        {
            return false;
        }

        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (!ReferenceEquals(Destination, other.Destination) || RemainingFinallyRegions.Length != other.RemainingFinallyRegions.Length)
        {
            return false;
        }

        for (var i = 0; i < RemainingFinallyRegions.Length; i++)
        {
            if (!ReferenceEquals(RemainingFinallyRegions[i], other.RemainingFinallyRegions[i]))
            {
                return false;
            }
        }

        return Equals(Outer, other.Outer);
    }

    public override bool Equals(object? obj) => Equals(obj as FinallyContinuation);

    public override int GetHashCode() => unchecked(((Destination?.Ordinal ?? -1) * 31) + RemainingFinallyRegions.Length);

    public static bool Equals(FinallyContinuation? left, FinallyContinuation? right)
        => left is null ? right is null : left.Equals(right);
}
