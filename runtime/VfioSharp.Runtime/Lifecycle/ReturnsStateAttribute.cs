namespace VfioSharp.Lifecycle;

/// <summary>
/// Declares the states an object returned by a factory member can be in (<c>Vfio.OpenDevice</c> returns a
/// device that is <c>Attached</c>). Without it, analyzer VFIO006 knows nothing about a returned object and
/// reports nothing about its calls; constructors return the type's <see cref="StateMachineAttribute.Initial"/> state.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, Inherited = false)]
public sealed class ReturnsStateAttribute : Attribute
{
    /// <summary>Declares the states the returned object can be in.</summary>
    /// <param name="states">Values of the returned type's state enum.</param>
    public ReturnsStateAttribute(params object[] states)
    {
        States = states;
    }

    /// <summary>The states the returned object can be in.</summary>
    public IReadOnlyList<object> States { get; }
}
