using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>What the transfer of one control flow graph's operations needs besides the path state.</summary>
internal sealed class GraphContext
{
    public GraphContext(
        UnionGeometry geometry,
        MethodShape shape,
        IMethodSymbol? function,
        bool isNestedFunction,
        ModeVariableResolver modes,
        HashSet<ModeVariable> trackedModes,
        Dictionary<CaptureId, HeapReference?> heapCaptures,
        StoreSiteRegistry sites,
        CancellationToken cancellationToken)
    {
        Geometry = geometry;
        Shape = shape;
        Function = function;
        IsNestedFunction = isNestedFunction;
        Modes = modes;
        TrackedModes = trackedModes;
        HeapCaptures = heapCaptures;
        Sites = sites;
        CancellationToken = cancellationToken;
    }

    public UnionGeometry Geometry { get; }

    public MethodShape Shape { get; }

    /// <summary>The method, local function or lambda whose graph this is (null when unknown).</summary>
    public IMethodSymbol? Function { get; }

    /// <summary>A lambda or local function: variables of enclosing functions are captured storage that outlives it.</summary>
    public bool IsNestedFunction { get; }

    public ModeVariableResolver Modes { get; }

    /// <summary>Mode variables tested by at least two branches: the only ones worth splitting paths for.</summary>
    public HashSet<ModeVariable> TrackedModes { get; }

    /// <summary>Flow captures that hold a reference named by a variable (a null-conditional's receiver).</summary>
    public Dictionary<CaptureId, HeapReference?> HeapCaptures { get; }

    public StoreSiteRegistry Sites { get; }

    /// <summary>Set during the final pass only: where confirmed clobbers and reads are recorded.</summary>
    public GraphEvidence? Evidence { get; set; }

    public CancellationToken CancellationToken { get; }
}
