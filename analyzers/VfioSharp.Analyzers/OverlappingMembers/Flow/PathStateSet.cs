using System.Collections.Generic;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>
/// The input of a block: a bounded list of path states. Paths with equal mode facts merge their
/// flow; paths with equal flow merge their facts when that loses nothing. Past the bound, paths are
/// merged anyway and marked imprecise, which silences findings rather than inventing them.
/// </summary>
internal sealed class PathStateSet
{
    public const int MaximumStates = 12;

    private readonly List<PathState> _states = new();

    public IReadOnlyList<PathState> States => _states;

    /// <summary>Adds the paths of <paramref name="incoming"/>; returns whether the set changed.</summary>
    public bool Add(PathState incoming)
    {
        for (var i = 0; i < _states.Count; i++)
        {
            var state = _states[i];
            if (state.SharesRouteWith(incoming) && state.Facts.Equals(incoming.Facts))
            {
                var flow = FlowState.Union(state.Flow, incoming.Flow);
                if (flow.Equals(state.Flow))
                {
                    return false;
                }

                _states[i] = state.WithFlow(flow);
                Compact();
                return true;
            }
        }

        _states.Add(incoming);
        Compact();
        return true;
    }

    private void Compact()
    {
        bool merged;
        do
        {
            merged = false;
            for (var i = 0; i < _states.Count && !merged; i++)
            {
                for (var j = i + 1; j < _states.Count && !merged; j++)
                {
                    if (!_states[i].SharesRouteWith(_states[j]) || !_states[i].Flow.Equals(_states[j].Flow))
                    {
                        continue;
                    }

                    var facts = _states[i].Facts.TryJoinExactly(_states[j].Facts);
                    if (facts is not null)
                    {
                        _states[i] = _states[i].WithFacts(facts);
                        _states.RemoveAt(j);
                        merged = true;
                    }
                }
            }
        }
        while (merged);

        if (_states.Count > MaximumStates)
        {
            Collapse();
        }
    }

    private void Collapse()
    {
        var collapsed = new List<PathState>();
        foreach (var state in _states)
        {
            var index = collapsed.FindIndex(c => FinallyContinuation.Equals(c.Continuation, state.Continuation));
            if (index < 0)
            {
                collapsed.Add(new PathState(state.Facts, state.Flow, imprecise: true, state.Continuation));
            }
            else
            {
                var existing = collapsed[index];
                collapsed[index] = new PathState(
                    existing.Facts.Widen(state.Facts), FlowState.Union(existing.Flow, state.Flow), imprecise: true, existing.Continuation);
            }
        }

        _states.Clear();
        _states.AddRange(collapsed);
    }
}
