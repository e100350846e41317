using System.Diagnostics;

namespace VfioSharp.Bench.Runtime;

/// <summary>
/// The ioctl variants measured round-robin in short batches, so that load from other processes on this shared
/// 2-core machine falls on all of them alike: a check on BenchmarkDotNet's figures, which are taken one variant
/// after another. Prints <c>name median-ns-per-call</c> lines.
/// </summary>
internal static class InterleavedComparison
{
    /// <summary>Runs every variant <paramref name="rounds"/> times, <paramref name="calls"/> calls a batch, after a second of warm-up (tier-1 code).</summary>
    public static void Run(IReadOnlyList<(string Name, Func<int, long> Batch)> variants, int rounds, int calls, TextWriter output)
    {
        var perCall = variants.Select(_ => new double[rounds]).ToArray();
        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed < TimeSpan.FromSeconds(1))
        {
            foreach (var (_, batch) in variants)
            {
                _ = batch(calls);
            }
        }

        for (var round = 0; round < rounds; round++)
        {
            // A different variant goes first each round: none always runs right after the same neighbour.
            for (var step = 0; step < variants.Count; step++)
            {
                var index = (round + step) % variants.Count;
                var start = Stopwatch.GetTimestamp();
                _ = variants[index].Batch(calls);
                perCall[index][round] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / calls;
            }
        }

        for (var index = 0; index < variants.Count; index++)
        {
            Array.Sort(perCall[index]);
            output.WriteLine($"{variants[index].Name} {perCall[index][rounds / 2]:F2}");
        }
    }
}
