using System.Diagnostics;
using System.Globalization;
using VfioSharp.Containers;
using VfioSharp.Dma;
using VfioSharp.Handles;
using VfioSharp.Kernel;
using VfioSharp.KernelSuite.Native;
using VfioSharp.Uapi;

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

        if (failures != 0)
        {
            return Outcome.Check(false, $"bring-up {bringUp.TotalMicroseconds:F0} µs; {Rounds} x {Iterations} x 4 KiB map+unmap failed: {Errno.FromResult(failures)}");
        }

        var interleaved = Interleaved(open, buffer);
        return Outcome.Check(interleaved.Error == 0,
            $"bring-up {bringUp.TotalMicroseconds:F0} µs; {Rounds} x {Iterations} x 4 KiB map+unmap, best round {loop.TotalNanoseconds / Iterations:F0} ns each; " +
            (interleaved.Error == 0
                ? $"interleaved with the same C loop in this process, {InterleavedRounds} rounds of {InterleavedIterations}: runtime {interleaved.Runtime:F0} ns ({interleaved.Runtime / interleaved.C:F3}x C), typed calls alone {interleaved.Typed:F0} ns ({interleaved.Typed / interleaved.C:F3}x), C {interleaved.C:F0} ns (medians)"
                : $"an interleaved loop failed: {Errno.FromResult(-interleaved.Error)}"));
    }

    // Every order of the three variants, four times each: each variant runs first, second and third, and after
    // each of the others, equally often (a fixed rotation made the runtime always follow C).
    private static readonly int[][] Orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
    private const int InterleavedRounds = 24;
    private const int InterleavedIterations = 200;

    /// <summary>
    /// The runtime's map+unmap (<see cref="VfioContainer"/>: checks, bookkeeping, the typed call), the generated
    /// typed calls alone on the same descriptor, and the C reference check's map+unmap (Native/map_unmap_loop.c,
    /// linked in), on the same container or IOAS, round-robin in rounds of <see cref="InterleavedIterations"/>,
    /// so that the host's load (which moves a pass under emulation by ±50 %) falls on all alike; prints each
    /// median as BENCH lines that the host divides by C's. Returns the medians in ns per iteration, or an errno.
    /// </summary>
    private static (double Runtime, double Typed, double C, int Error) Interleaved(OpenDevice open, DmaBuffer buffer)
    {
        var container = open.Container;
        var (fd, ioas) = RawDmaSpace(container);
        // The typed calls on a handle of the fd's own kind (the runtime's own handles are not public).
        using var containerHandle = ioas is null ? new ContainerHandle(LinuxKernel.Instance, fd, ownsHandle: false) : null;
        using var iommufdHandle = ioas is null ? null : new IommufdHandle(LinuxKernel.Instance, fd, ownsHandle: false);
        var times = new double[3][];
        var allocated = new long[3];
        var previous = new int[3][];
        var last = -1;
        for (var variant = 0; variant < times.Length; variant++)
        {
            times[variant] = new double[InterleavedRounds];
            previous[variant] = new int[InterleavedRounds];
        }

        for (var round = 0; round < InterleavedRounds; round++)
        {
            foreach (var variant in Orders[round % Orders.Length])
            {
                var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                var start = Stopwatch.GetTimestamp();
                var error = variant switch
                {
                    0 => RuntimeLoop(container, buffer),
                    1 => ioas is { } typedIoas ? TypedIoasLoop(iommufdHandle!, typedIoas, buffer) : TypedType1Loop(containerHandle!, buffer),
                    _ => ioas is { } id
                        ? MapUnmapLoop.IoasMapUnmap(fd, id, buffer.Address, Iova, InterleavedIterations)
                        : MapUnmapLoop.Type1MapUnmap(fd, buffer.Address, Iova, InterleavedIterations),
                };
                if (error != 0)
                {
                    return (0, 0, 0, error);
                }

                times[variant][round] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / InterleavedIterations;
                allocated[variant] += GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
                previous[variant][round] = last;
                last = variant;
            }
        }

        // Whether a loop pays for the one before it (deferred kernel work): each variant's median by its predecessor.
        string[] names = ["runtime", "typed", "C"];
        Console.WriteLine("median by predecessor: " + string.Join("; ", Enumerable.Range(0, 3).Select(v =>
            names[v] + " " + string.Join(", ", Enumerable.Range(0, 3).Where(p => p != v).Select(p =>
            {
                var after = times[v].Where((_, r) => previous[v][r] == p).Order().ToArray();
                return after.Length == 0 ? $"after {names[p]} -" : string.Create(CultureInfo.InvariantCulture, $"after {names[p]} {after[after.Length / 2]:F0}");
            })))));

        // NativeAOT's code, not the JIT's that bench/runtime measures on the host: 0 B per map/unmap here too.
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"allocated per iteration: runtime {(double)allocated[0] / (InterleavedRounds * InterleavedIterations):F1} B, typed calls {(double)allocated[1] / (InterleavedRounds * InterleavedIterations):F1} B; collections {GC.CollectionCount(0)}"));

        var medians = times.Select(t => (t.Order().ElementAt((InterleavedRounds / 2) - 1) + t.Order().ElementAt(InterleavedRounds / 2)) / 2).ToArray();
        Print("c.map-unmap-4k-interleaved", medians[2], "ns/iteration");
        Print("runtime.map-unmap-4k-interleaved", medians[0], "ns/iteration");
        Print("typed-calls.map-unmap-4k-interleaved", medians[1], "ns/iteration");
        return (medians[0], medians[1], medians[2], 0);
    }

    private static int RuntimeLoop(VfioContainer container, DmaBuffer buffer)
    {
        for (var i = 0; i < InterleavedIterations; i++)
        {
            container.Unmap(container.Map(buffer, Iova));
        }

        return 0;
    }

    private static int TypedType1Loop(ContainerHandle container, DmaBuffer buffer)
    {
        for (var i = 0; i < InterleavedIterations; i++)
        {
            var map = new vfio_iommu_type1_dma_map { flags = (uint)(vfio.VFIO_DMA_MAP_FLAG_READ | vfio.VFIO_DMA_MAP_FLAG_WRITE), vaddr = (ulong)buffer.Address, iova = Iova, size = 4096 };
            var unmap = new vfio_iommu_type1_dma_unmap { iova = Iova, size = 4096 };
            var result = container.TryVFIO_IOMMU_MAP_DMA(ref map);
            result = result < 0 ? result : container.TryVFIO_IOMMU_UNMAP_DMA(ref unmap);
            if (result < 0)
            {
                return (int)-result;
            }
        }

        return 0;
    }

    private static int TypedIoasLoop(IommufdHandle iommufd, uint ioas, DmaBuffer buffer)
    {
        for (var i = 0; i < InterleavedIterations; i++)
        {
            var map = new iommu_ioas_map
            {
                ioas_id = ioas,
                flags = (uint)(iommufd_ioas_map_flags.IOMMU_IOAS_MAP_FIXED_IOVA | iommufd_ioas_map_flags.IOMMU_IOAS_MAP_READABLE | iommufd_ioas_map_flags.IOMMU_IOAS_MAP_WRITEABLE),
                user_va = (ulong)buffer.Address,
                length = 4096,
                iova = Iova,
            };
            var unmap = new iommu_ioas_unmap { ioas_id = ioas, iova = Iova, length = 4096 };
            var result = iommufd.TryIOMMU_IOAS_MAP(ref map);
            result = result < 0 ? result : iommufd.TryIOMMU_IOAS_UNMAP(ref unmap);
            if (result < 0)
            {
                return (int)-result;
            }
        }

        return 0;
    }

    /// <summary>
    /// The descriptor the runtime maps through (the container in group mode, the iommufd in cdev mode, found in
    /// /proc/self/fd: the runtime hands out no raw fds) and the IOAS id in cdev mode.
    /// </summary>
    private static (int Fd, uint? Ioas) RawDmaSpace(VfioContainer container)
    {
        var node = container.IoasId is null ? "/dev/vfio/vfio" : "/dev/iommu";
        var fds = ProcessResources.Descriptors().Where(d => d.EndsWith("→" + node, StringComparison.Ordinal)).ToList();
        if (fds.Count != 1)
        {
            throw new InvalidOperationException($"expected one open {node} (the runtime's), found {fds.Count}: {string.Join(", ", fds)}");
        }

        return (int.Parse(fds[0].AsSpan(0, fds[0].IndexOf('→', StringComparison.Ordinal)), CultureInfo.InvariantCulture), container.IoasId);
    }

    private static void Print(string id, double value, string unit) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"BENCH {id} {value:F1} {unit}"));
}
