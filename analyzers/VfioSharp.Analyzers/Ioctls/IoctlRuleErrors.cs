using System;
using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.Ioctls;

/// <summary>
/// Internal errors of VFIO004, VFIO005 and VFIO008, swallowed so that no build fails with AD0001
/// because of these rules (warnings are errors here); tests assert that this stays empty.
/// </summary>
internal static class IoctlRuleErrors
{
    internal static ConcurrentQueue<string> InternalErrors { get; } = new();

    public static void Record(string rule, ISymbol? owner, Exception exception)
        => InternalErrors.Enqueue($"{rule} in {owner?.ToDisplayString() ?? "?"}: {exception}");
}
