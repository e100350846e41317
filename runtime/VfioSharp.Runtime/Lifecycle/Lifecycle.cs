using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace VfioSharp.Lifecycle;

/// <summary>
/// The state of one runtime object, checked against its type's declared transitions
/// (<see cref="LifecycleTable{TOwner, TState}"/>). Callers hold <see cref="Gate"/> across
/// <see cref="Require"/>, the operation, and <see cref="Complete"/> so that two threads can't both pass a
/// check that only one of them may pass (two Dispose calls, a map racing a release).
/// </summary>
/// <typeparam name="TOwner">The state-machine type.</typeparam>
/// <typeparam name="TState">Its state enum.</typeparam>
internal sealed class Lifecycle<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicMethods | DynamicallyAccessedMemberTypes.PublicProperties)] TOwner, TState>
    where TState : struct, Enum
{
    private readonly Func<string> _describe;
    private int _state = LifecycleTable<TOwner, TState>.InitialValue;

    /// <summary>Starts in the type's declared initial state.</summary>
    /// <param name="describe">Names the object for error messages (kind, number, path, fd), evaluated only when one is thrown.</param>
    public Lifecycle(Func<string> describe)
    {
        _describe = describe;
    }

    /// <summary>The lock that serializes the object's operations.</summary>
    public Lock Gate { get; } = new();

    /// <summary>The current state.</summary>
    public TState State
    {
        get
        {
            var value = Volatile.Read(ref _state);
            return Unsafe.As<int, TState>(ref value);
        }
    }

    /// <summary>Throws unless the object's state allows <paramref name="operation"/>. Allocates nothing when it passes.</summary>
    /// <param name="operation">The member being called (its name, as in the declaration).</param>
    /// <exception cref="InvalidStateException">The state doesn't allow it.</exception>
    public void Require([CallerMemberName] string operation = "")
    {
        if (LifecycleTable<TOwner, TState>.TryGetRule(operation, out var rule)
            && (rule.AllowedStates & LifecycleTable<TOwner, TState>.Bit(State)) == 0)
        {
            Throw(operation, rule);
        }
    }

    /// <summary>Whether the state allows <paramref name="operation"/>.</summary>
    /// <param name="operation">The member's name.</param>
    /// <returns>True when allowed.</returns>
    public bool Allows(string operation)
        => !LifecycleTable<TOwner, TState>.TryGetRule(operation, out var rule) || (rule.AllowedStates & LifecycleTable<TOwner, TState>.Bit(State)) != 0;

    /// <summary>Moves to the state <paramref name="operation"/> declares it leads to, after it succeeded.</summary>
    /// <param name="operation">The member that succeeded.</param>
    public void Complete([CallerMemberName] string operation = "")
    {
        if (LifecycleTable<TOwner, TState>.TryGetRule(operation, out var rule) && rule.NextState >= 0)
        {
            var next = rule.NextState;
            MoveTo(Unsafe.As<int, TState>(ref next));
        }
    }

    /// <summary>
    /// Moves to a state because of something outside this object's own members (the kernel dropped a
    /// container's mappings when its last group left): the reason is the caller's, not a declared operation's.
    /// </summary>
    /// <param name="state">The new state.</param>
    public void MoveTo(TState state) => Volatile.Write(ref _state, Unsafe.As<TState, int>(ref state));

    [DoesNotReturn]
    private void Throw(string operation, LifecycleRule rule)
    {
        var allowed = Enum.GetValues<TState>().Where(s => (rule.AllowedStates & LifecycleTable<TOwner, TState>.Bit(s)) != 0).Select(s => s.ToString()).ToArray();
        throw new InvalidStateException(_describe(), State.ToString(), operation, allowed, rule.MissingStep);
    }
}
