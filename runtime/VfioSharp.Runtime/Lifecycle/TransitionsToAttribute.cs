namespace VfioSharp.Lifecycle;

/// <summary>
/// Declares the state a member of a <see cref="StateMachineAttribute"/> type leaves the object in when it
/// returns normally (<c>Dispose</c> → <c>Released</c>). A member that throws leaves the state as it was.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class TransitionsToAttribute : Attribute
{
    /// <summary>Declares the state after a successful call.</summary>
    /// <param name="state">A value of the type's state enum.</param>
    public TransitionsToAttribute(object state)
    {
        State = state;
    }

    /// <summary>The state after a successful call.</summary>
    public object State { get; }
}
