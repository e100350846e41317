namespace VfioSharp.Lifecycle;

/// <summary>One operation's declaration: where it is allowed, where it leads, and what to call first.</summary>
/// <param name="AllowedStates">The allowed states as a bit mask over the state enum's values.</param>
/// <param name="NextState">The state after success, as the enum's value; -1 when the operation keeps the state.</param>
/// <param name="MissingStep">The step that brings the object into an allowed state, if one does.</param>
internal readonly record struct LifecycleRule(ulong AllowedStates, int NextState, string? MissingStep);
