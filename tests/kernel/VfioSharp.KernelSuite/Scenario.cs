namespace VfioSharp.KernelSuite;

/// <summary>One named check of the suite; <paramref name="Run"/> throws or returns what it saw.</summary>
/// <param name="Id">The scenario id of its PASS/FAIL line (no spaces).</param>
/// <param name="Run">The check.</param>
internal sealed record Scenario(string Id, Func<Outcome> Run);
