namespace VfioSharp.Lifecycle;

/// <summary>
/// Declares that a runtime type is a state machine over the enum <see cref="StateType"/>: its members carry
/// <see cref="RequiresStateAttribute"/> and <see cref="TransitionsToAttribute"/>, which are the single
/// declaration both the runtime's checks (the internal <c>Lifecycle</c> guard) and analyzer VFIO006 read.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class StateMachineAttribute : Attribute
{
    /// <summary>Declares the state enum and the state a new instance starts in.</summary>
    /// <param name="stateType">The enum whose values are the states.</param>
    /// <param name="initial">The state an instance is in when a factory or constructor returns it.</param>
    public StateMachineAttribute(Type stateType, object initial)
    {
        StateType = stateType;
        Initial = initial;
    }

    /// <summary>The enum whose values are the states.</summary>
    public Type StateType { get; }

    /// <summary>The state an instance is in when a factory or constructor returns it.</summary>
    public object Initial { get; }
}
