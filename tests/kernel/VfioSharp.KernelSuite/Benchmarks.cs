using System.Diagnostics;
using System.Globalization;
using VfioSharp.Dma;
using VfioSharp.Kernel;

namespace VfioSharp.KernelSuite;

/// <summary>
/// The measurements the C reference check also makes in the same boot (payload/vfio-check.c): the bring-up from
/// the first VFIO open to a usable device, and 1000 × (map + unmap) of one 4 KiB page at a fixed IOVA. The host
/// prints each with its ratio to the C figure.
/// </summary>
internal static class Benchmarks
{
    private const int Iterations = 1000;

    // Under emulation one pass varies by ±50% with the host's load: the best of a few passes is the figure, as in C.
    private const int Rounds = 5;
    private const ulong Iova = 0x40_0000;

    /// <summary>Measures and prints BENCH lines; returns the scenario that says whether the loop ran.</summary>
    public static Outcome Run(GuestEnvironment guest)
    {
        var bringUpStart = Stopwatch.GetTimestamp();
        using var open = OpenDevice.Open(guest);
        var bringUp = Stopwatch.GetElapsedTime(bringUpStart);
        Print("runtime.bring-up", bringUp.TotalMicroseconds, "us");
        if (!guest.HasIommu)
        {
            return Outcome.Check(true, $"bring-up {bringUp.TotalMicroseconds:F0} µs (no map/unmap loop without an IOMMU)");
        }

        using var buffer = DmaBuffer.Allocate(LinuxKernel.Instance, 4096);
        var container = open.Container;
        // One round first: the first map pins the page and warms the kernel's paths, as in C (which mapped before).
        container.Unmap(container.Map(buffer, Iova));
        var failures = 0L;
        var best = TimeSpan.MaxValue;
        for (var round = 0; round < Rounds && failures == 0; round++)
        {
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < Iterations; i++)
            {
                var mapped = container.TryMap(buffer, Iova, out var mapping);
                var unmapped = mapped < 0 ? mapped : container.TryUnmap(mapping);
                if (mapped < 0 || unmapped < 0)
                {
                    failures = Math.Min(mapped, unmapped);
                    break;
                }
            }

            var elapsed = Stopwatch.GetElapsedTime(start);
            best = elapsed < best ? elapsed : best;
        }

        var loop = best;
        if (failures == 0)
        {
            Print("runtime.map-unmap-4k", loop.TotalNanoseconds / Iterations, "ns/iteration");
        }

        return Outcome.Check(failures == 0, $"bring-up {bringUp.TotalMicroseconds:F0} µs; {Rounds} x {Iterations} x 4 KiB map+unmap, best round {(failures == 0 ? $"{loop.TotalNanoseconds / Iterations:F0} ns each" : $"failed: {Errno.FromResult(failures)}")}");
    }

    private static void Print(string id, double value, string unit) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"BENCH {id} {value:F1} {unit}"));
}
