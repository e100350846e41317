using System.Diagnostics.CodeAnalysis;

namespace VfioSharp.Lifecycle;

/// <summary>
/// An operation was called on a runtime object in a state that doesn't allow it, as in
/// <c>VFIO group 12 (/dev/vfio/12, fd 7) is Open: GetDevice needs InContainer; call VfioGroup.SetContainer first.</c>
/// </summary>
[SuppressMessage("Design", "CA1032:Implement standard exception constructors", Justification = "A state error without its object, state and operation would say nothing.")]
public sealed class InvalidStateException : InvalidOperationException
{
    /// <summary>Describes a call in the wrong state.</summary>
    /// <param name="objectDescription">The object, as a user recognizes it (kind, number, path, fd).</param>
    /// <param name="state">The state the object is in.</param>
    /// <param name="operation">The operation that was called.</param>
    /// <param name="allowedStates">The states in which the operation is allowed.</param>
    /// <param name="missingStep">The step that brings the object into an allowed state, if one does.</param>
    public InvalidStateException(string objectDescription, string state, string operation, IReadOnlyList<string> allowedStates, string? missingStep)
        : base(Describe(objectDescription, state, operation, allowedStates, missingStep))
    {
        ObjectDescription = objectDescription;
        State = state;
        Operation = operation;
        AllowedStates = allowedStates;
        MissingStep = missingStep;
    }

    /// <summary>The object, as a user recognizes it.</summary>
    public string ObjectDescription { get; }

    /// <summary>The state the object was in.</summary>
    public string State { get; }

    /// <summary>The operation that was called.</summary>
    public string Operation { get; }

    /// <summary>The states in which the operation is allowed.</summary>
    public IReadOnlyList<string> AllowedStates { get; }

    /// <summary>The step that brings the object into an allowed state, if one does.</summary>
    public string? MissingStep { get; }

    private static string Describe(string objectDescription, string state, string operation, IReadOnlyList<string> allowedStates, string? missingStep)
    {
        ArgumentNullException.ThrowIfNull(allowedStates);
        var needs = allowedStates.Count == 0 ? "is never allowed" : "needs " + string.Join(" or ", allowedStates);
        var step = missingStep is null ? string.Empty : $"; call {missingStep} first";
        return $"{objectDescription} is {state}: {operation} {needs}{step}.";
    }
}
