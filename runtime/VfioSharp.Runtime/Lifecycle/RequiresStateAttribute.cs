namespace VfioSharp.Lifecycle;

/// <summary>
/// Declares the states in which a member of a <see cref="StateMachineAttribute"/> type may be called. Calling
/// it in another state throws <see cref="InvalidStateException"/> at run time and is diagnostic VFIO006 at
/// compile time, when the analyzer can tell the state.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, Inherited = false)]
public sealed class RequiresStateAttribute : Attribute
{
    /// <summary>Declares the states in which the member may be called.</summary>
    /// <param name="states">Values of the type's state enum.</param>
    public RequiresStateAttribute(params object[] states)
    {
        States = states;
    }

    /// <summary>The states in which the member may be called.</summary>
    public IReadOnlyList<object> States { get; }

    /// <summary>
    /// The step that brings the object into an allowed state, as the user would call it (<c>"VfioGroup.SetContainer"</c>):
    /// named in the exception and in the diagnostic.
    /// </summary>
    public string? MissingStep { get; init; }
}
