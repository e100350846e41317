using System.Collections.Concurrent;

namespace VfioSharp.Scanner.Tests.Infrastructure;

/// <summary>Scans each header set once per test run (the vendored sets with --strict, as the build does).</summary>
internal static class ScannedModels
{
    private static readonly ConcurrentDictionary<string, Lazy<(string Root, string[] Headers, ScanRun Run)>> Cache = new();

    public static (string Root, string[] Headers, ScanRun Run) Get(string set) =>
        Cache.GetOrAdd(set, key => new Lazy<(string, string[], ScanRun)>(() =>
        {
            var (root, headers) = HeaderSets.Resolve(key);
            var run = ScanRun.Start(root, headers, strict: key != HeaderSets.EdgeCases);
            if (run.ExitCode != 0)
            {
                throw new InvalidOperationException($"scan of {key} failed ({run.ExitCode}):\n{run.Error}");
            }

            return (root, headers, run);
        })).Value;
}
