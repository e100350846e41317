using VfioSharp.Kernel;

namespace VfioSharp.KernelSuite.ErrnoParity;

/// <summary>
/// How a row reports more than one answer: the simulated kernel's scenarios commit several variants of a misuse
/// and return <c>WrongReply</c> when they disagree; here the row fails with every variant's answer instead, so the
/// log says which one Linux answered differently.
/// </summary>
internal static class Reply
{
    /// <summary>The answer every variant gave, or an exception naming each one's when they differ.</summary>
    public static long Same(params (string Variant, long Result)[] answers)
    {
        if (answers.All(answer => answer.Result == answers[0].Result))
        {
            return answers[0].Result;
        }

        throw new InvalidOperationException("the variants differ: " + string.Join(", ", answers.Select(a => $"{a.Variant} {Name(a.Result)}")));
    }

    /// <summary><paramref name="result"/> when <paramref name="holds"/>, else an exception naming what Linux left behind.</summary>
    public static long With(long result, bool holds, string sideEffect)
        => holds ? result : throw new InvalidOperationException($"answer {Name(result)}, but {sideEffect}");

    /// <summary>Throws unless a setup step of the row's state succeeded (a non-negative result).</summary>
    public static long Require(long result, string step)
        => result >= 0 ? result : throw new InvalidOperationException($"setting up the row's state: {step} gave {Errno.FromResult(result)}");

    /// <summary>"0", "EINVAL" or "5 (success)" for a result.</summary>
    public static string Name(long result) => result == 0 ? "0" : result > 0 ? $"{result} (success)" : Errno.FromResult(result).Name;
}
