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
        Dictionary<CaptureId, IOperation?> capturedValues,
        HashSet<CaptureId> storageCaptures,
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
        CapturedValues = capturedValues;
        StorageCaptures = storageCaptures;
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

    /// <summary>What each flow capture holds (null when it is written from more than one place).</summary>
    public Dictionary<CaptureId, IOperation?> CapturedValues { get; }

    /// <summary>
    /// Captures used as storage rather than as values: spilled ref and out arguments, receivers,
    /// assignment targets. The graph spills earlier arguments when a later one has control flow.
    /// </summary>
    public HashSet<CaptureId> StorageCaptures { get; }

    public StoreSiteRegistry Sites { get; }

    /// <summary>Set during the final pass only: where confirmed clobbers and reads are recorded.</summary>
    public GraphEvidence? Evidence { get; set; }

    public CancellationToken CancellationToken { get; }
}
