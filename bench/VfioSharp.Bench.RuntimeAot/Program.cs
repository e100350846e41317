using System.Collections.Frozen;
using System.Diagnostics;
using System.Globalization;
using VfioSharp;
using VfioSharp.Bench.Runtime;
using VfioSharp.Bench.RuntimeAot;
using VfioSharp.Dma;
using VfioSharp.Handles;
using VfioSharp.Kernel;
using VfioSharp.Pci;
using VfioSharp.Uapi;

// The runtime's map + unmap and its pieces, timed one after another under NativeAOT: over a kernel that does
// nothing, then over one whose every ioctl makes a real syscall. Prints "PROBE <kernel> <piece> <ns>" lines and,
// for tests/kernel/run's payload protocol, a PASS line at the end.
// Usage: VfioSharp.Bench.RuntimeAot [iterations=20000]   (as a payload of tests/kernel/run it takes no argument)
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

var iterations = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
using var syscalls = new SyscallKernel();
foreach (var kernel in new IKernel[] { new NullKernel(), syscalls })
{
    using var vfio = Vfio.Open(kernel);
    _ = vfio.OpenDevice(PciAddress.Parse("0000:00:01.0"));
    var container = vfio.DefaultContainer;
    using var buffer = DmaBuffer.Allocate(kernel, 4096);
    using var handle = new ContainerHandle(kernel, 7, ownsHandle: false);
    var gate = new Lock();
    var table = new Dictionary<string, int>(StringComparer.Ordinal) { ["TryMap"] = 1, ["TryUnmap"] = 2, ["Mode"] = 3 }.ToFrozenDictionary(StringComparer.Ordinal);
    var list = new List<long>(16);
    long sink = 0;
    (string Name, Action Step)[] pieces =
    [
        ("VfioContainer.Map+Unmap", () => container.Unmap(container.Map(buffer, 0x100000))),
        ("typed map+unmap", () =>
        {
            var map = new vfio_iommu_type1_dma_map { vaddr = (ulong)buffer.Address, iova = 0x100000, size = 4096 };
            var unmap = new vfio_iommu_type1_dma_unmap { iova = 0x100000, size = 4096 };
            sink += handle.TryVFIO_IOMMU_MAP_DMA(ref map) + handle.TryVFIO_IOMMU_UNMAP_DMA(ref unmap);
        }),
        ("lifecycle check (Mode)", () => sink += (int)container.Mode),
        ("lock", () =>
        {
            lock (gate)
            {
                sink++;
            }
        }),
        ("frozen lookup", () => sink += table.TryGetValue("TryUnmap", out var rule) ? rule : 0),
        ("list insert+remove", () =>
        {
            list.Insert(0, sink);
            list.RemoveAt(0);
        }),
    ];
    foreach (var (name, step) in pieces)
    {
        step();
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < iterations; i++)
        {
            step();
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"PROBE {kernel.GetType().Name} {name} {Stopwatch.GetElapsedTime(start).TotalNanoseconds / iterations:F1} ns"));
    }

    GC.KeepAlive(sink);
}

// The real-kernel suite's payload protocol (tests/kernel/README.md): a payload that prints no PASS line failed.
Console.WriteLine("PASS runtime-aot-probe every piece timed on both kernels");
