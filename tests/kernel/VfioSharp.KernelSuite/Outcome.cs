namespace VfioSharp.KernelSuite;

/// <summary>What one scenario saw.</summary>
/// <param name="Passed">Whether it held.</param>
/// <param name="Detail">What was seen, for the PASS/FAIL line.</param>
internal sealed record Outcome(bool Passed, string Detail)
{
    /// <summary>An outcome that holds when <paramref name="condition"/> does.</summary>
    public static Outcome Check(bool condition, string detail) => new(condition, detail);
}
