using System.Diagnostics;
using System.Runtime.CompilerServices;
using VfioSharp.Dma;
using VfioSharp.Handles;
using VfioSharp.Kernel;
using VfioSharp.Modes;
using VfioSharp.Sharing;
using VfioSharp.Uapi;
using static EduDriver.EduRegisters;

namespace VfioSharp.KernelSuite;

/// <summary>
/// Issue 8 on a real kernel (runtime/SHARING.md): this payload is the broker — edu opened through the runtime, its
/// container (group modes) or iommufd and IOAS (cdev modes) set up — and runs itself again as the worker process
/// (<see cref="WorkerArgument"/>), which receives the fds over the broker's socket, adopts them, maps a DMA buffer
/// through the broker's container or IOAS and runs edu's DMA round trip. In cdev mode the IOAS handed over is forced
/// to 0x102: the review's store of a flag into the id's low byte shows only when that byte is not 1, and an id above
/// 0xff also catches a truncation to 8 bits; the worker prints the id it adopted and the broker compares it.
/// </summary>
internal static class SharingScenarios
{
    /// <summary>The argument that makes this binary the worker: <c>--sharing-worker &lt;socket&gt;</c>.</summary>
    public const string WorkerArgument = "--sharing-worker";

    // The runtime's own IOAS is id 1 of its iommufd, the bound device and its hardware page table take the next
    // ones: allocate until the id is 0x102 — past 0xff, low byte not 1, as the process tests' — or, should the
    // kernel skip ids, the first one above it with a low byte other than 1 (iommufd hands out the lowest free id).
    private const uint ForcedIoasId = 0x102;

    // QEMU 7.2's edu aborts on a DMA that ends at its buffer's end (0x41000): stay well below 4096 bytes.
    private const int Length = 1024;

    private static readonly TimeSpan WorkerTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The broker's side: sets up, serves two worker processes one after the other, checks what each reports and
    /// what is left. The broker's fds are compared across the second worker: after the first one .NET keeps an epoll
    /// (<c>anon_inode:[eventpoll]</c>) it made for child processes, once per process, which is no leak per worker.
    /// </summary>
    public static Outcome WorkerDma(GuestEnvironment guest)
    {
        var kernel = LinuxKernel.Instance;
        var socketPath = Path.Combine(Path.GetTempPath(), $"vfiosharp-broker-{Environment.ProcessId}.sock");
        var before = VfioFilesAndSockets();
        WorkerRun first;
        WorkerRun second;
        IReadOnlyList<string> afterFirst;
        IReadOnlyList<string> afterSecond;
        long served;
        long refused;
        string left;
        uint? handedId;
        using (var open = OpenDevice.Open(guest))
        {
            var offer = Offer(open, guest);
            handedId = offer.IoasId;
            using (var broker = VfioBroker.Listen(socketPath, offer, new VfioBrokerOptions { AllowedUserIds = [0] }))
            {
                using var stop = new CancellationTokenSource();
                var thread = new Thread(() => broker.Serve(stop.Token)) { IsBackground = true, Name = "broker" };
                thread.Start();
                var serving = VfioFilesAndSockets();
                first = RunWorker(socketPath);
                afterFirst = AfterWorker(serving);
                second = RunWorker(socketPath);
                afterSecond = AfterWorker(serving);
                stop.Cancel();
                thread.Join();
                served = broker.RequestsServed;
                refused = broker.RequestsRefused;
            }

            left = WhatTheWorkersLeft(open, offer, guest, kernel);
        }

        var after = WaitFor(before, VfioFilesAndSockets);
        var expectedIoas = handedId is { } id ? $"0x{id:x}" : "none";
        var brokerKept = afterSecond.Except(afterFirst).ToList();
        var brokerLost = afterFirst.Except(afterSecond).ToList();
        var leaked = after.Except(before).ToList();
        var passed = first.Passed(expectedIoas) && second.Passed(expectedIoas)
            && (guest.Mode != VfioMode.Cdev || (handedId is { } h && h > 0xff && (h & 0xff) != 1))
            && served == 6 && refused == 0
            && brokerKept.Count == 0 && brokerLost.Count == 0 && leaked.Count == 0
            && left.StartsWith("nothing", StringComparison.Ordinal);
        return Outcome.Check(passed,
            $"broker handed IOAS {expectedIoas}; worker 1: {first}; worker 2: {second}; broker served {served} refused {refused}; " +
            $"broker fds after worker 1 {afterFirst.Count}, after worker 2 {afterSecond.Count} (kept [{string.Join(", ", brokerKept)}], lost [{string.Join(", ", brokerLost)}]); " +
            $"broker's VFIO fds and sockets {before.Count} before it all and {after.Count} after (leaked [{string.Join(", ", leaked)}]); in the broker's DMA space {left}");
    }

    /// <summary>The worker process: adopts the broker's DMA space and edu, runs the DMA round trip, prints <c>key value</c> lines.</summary>
    /// <returns>0 when the round trip passed and nothing leaked.</returns>
    public static int Worker(string socketPath)
    {
        try
        {
            return RunAsWorker(socketPath);
        }
#pragma warning disable CA1031 // Every failure of the worker is reported to the broker as a line and an exit code.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Console.WriteLine($"error {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
            return 1;
        }
    }

    private static int RunAsWorker(string socketPath)
    {
        if (GuestEnvironment.Read(out var problem) is not { } guest)
        {
            Console.WriteLine($"error {problem}");
            return 2;
        }

        // The broker's fds are close-on-exec: the worker starts with none of VFIO's and uses only what it receives.
        var inherited = VfioFiles();
        Console.WriteLine($"inherited {(inherited.Count == 0 ? "none" : string.Join(",", inherited))}");

        // Counted after the first line: writing to the console opens fds of its own (a dup of stdout) once.
        var before = ProcessResources.Descriptors();
        bool passed;
        using (var vfio = Vfio.Open(LinuxKernel.Instance, new VfioOptions { Mode = guest.Mode, AllowNoIommu = !guest.HasIommu }))
        using (var worker = VfioWorker.Connect(socketPath))
        {
            var container = worker.AdoptDmaSpace(vfio);
            Console.WriteLine($"ioas {(container.IoasId is { } id ? $"0x{id:x}" : "none")}");
            var device = worker.AdoptDevice(vfio, guest.Device, container);
            using var interrupts = device.Interrupts.EnableMsi();
            var edu = new EduEngine(device, interrupts, intx: false);
            using var buffer = DmaBuffer.Allocate(LinuxKernel.Instance, 4096);
            var mapping = container.Map(buffer);

            // Without an IOMMU the device is given physical addresses: the runtime's must be pagemap's (read here independently).
            var physical = guest.HasIommu ? null : Pagemap.Physical(buffer.Address);
            var addressRight = guest.HasIommu || (physical is { } p && p == mapping.Iova && p != 0);
            var pattern = new byte[Length];
            for (var i = 0; i < Length; i++)
            {
                pattern[i] = (byte)((i * 7) + 3);
            }

            pattern.CopyTo(buffer.Span);
            buffer.Span.Slice(2048, Length).Clear();
            var inbound = edu.Dma(mapping.Iova, DeviceBuffer, Length, toRam: false, out var inDetail);
            var outbound = edu.Dma(DeviceBuffer, mapping.Iova + 2048, Length, toRam: true, out var outDetail);
            var landed = buffer.Span.Slice(2048, Length).SequenceEqual(pattern);
            container.Unmap(mapping);
            passed = addressRight && inbound && outbound && landed;
            var where = guest.HasIommu ? "IOVA" : $"physical (pagemap 0x{physical ?? 0:x})";
            Console.WriteLine($"dma {(passed ? "ok" : "failed")} {Length} bytes {where} 0x{mapping.Iova:x} → device ({inDetail}) → 0x{mapping.Iova + 2048:x} ({outDetail}): {(landed ? "identical" : "different")}");
        }

        var after = ProcessResources.Descriptors();
        var leaked = after.Except(before).ToList();
        var lost = before.Except(after).ToList();
        var same = leaked.Count == 0 && lost.Count == 0;
        Console.WriteLine($"fds {(same ? "same" : "different")} {before.Count} before, {after.Count} after; leaked [{string.Join(", ", leaked)}], lost [{string.Join(", ", lost)}]");
        return passed && same && inherited.Count == 0 ? 0 : 1;
    }

    /// <summary>What the broker offers: the runtime's container and edu; in cdev mode the device moved to an IOAS whose id is forced.</summary>
    private static BrokerOffer Offer(OpenDevice open, GuestEnvironment guest)
    {
        var offer = BrokerOffer.From(open.Container, open.Device);
        if (guest.Mode != VfioMode.Cdev)
        {
            return offer;
        }

        var kernel = LinuxKernel.Instance;
        using var iommufd = new IommufdHandle(kernel, offer.DmaSpaceFd, ownsHandle: false);
        var throwaway = new List<uint>();
        uint id;
        while (true)
        {
            var alloc = default(iommu_ioas_alloc);
            Require(iommufd.TryIOMMU_IOAS_ALLOC(ref alloc), "IOMMU_IOAS_ALLOC");
            id = alloc.out_ioas_id;
            if (id >= ForcedIoasId && (id & 0xff) != 1)
            {
                break;
            }

            throwaway.Add(id);
        }

        foreach (var spare in throwaway)
        {
            var destroy = new iommu_destroy { size = (uint)Unsafe.SizeOf<iommu_destroy>(), id = spare };
            Require(iommufd.TryIOMMU_DESTROY(ref destroy), $"IOMMU_DESTROY of throwaway IOAS {spare}");
        }

        // The runtime attached edu to its own IOAS (id 1); VFIO_DEVICE_ATTACH_IOMMUFD_PT on an attached device
        // replaces its page table (Linux 6.6+, vfio_iommufd_physical_attach_ioas → iommufd_device_replace).
        var deviceFd = offer.Devices[guest.Device];
        using var device = new DeviceHandle(kernel, deviceFd, ownsHandle: false);
        var attach = new vfio_device_attach_iommufd_pt { argsz = (uint)Unsafe.SizeOf<vfio_device_attach_iommufd_pt>(), pt_id = id };
        Require(device.TryVFIO_DEVICE_ATTACH_IOMMUFD_PT(ref attach), $"VFIO_DEVICE_ATTACH_IOMMUFD_PT to IOAS 0x{id:x}");
        var forced = new BrokerOffer(VfioMode.Cdev, offer.DmaSpaceFd, id);
        forced.AddDevice(guest.Device, deviceFd);
        return forced;
    }

    /// <summary>
    /// After the worker: its mappings must be gone from the broker's container or IOAS (unmap-all finds 0 bytes) and
    /// the DMA space must still be the broker's (an adopted one is never torn down by a worker). In cdev mode edu is
    /// released first, so the forced IOAS can be destroyed: 0 proves it existed and nothing else holds it.
    /// </summary>
    private static string WhatTheWorkersLeft(OpenDevice open, BrokerOffer offer, GuestEnvironment guest, IKernel kernel)
    {
        switch (guest.Mode)
        {
            case VfioMode.Group:
            {
                using var container = new ContainerHandle(kernel, offer.DmaSpaceFd, ownsHandle: false);
                var unmap = new vfio_iommu_type1_dma_unmap { argsz = (uint)Unsafe.SizeOf<vfio_iommu_type1_dma_unmap>(), flags = (uint)vfio.VFIO_DMA_UNMAP_FLAG_ALL };
                var result = container.TryVFIO_IOMMU_UNMAP_DMA(ref unmap);
                return result == 0 && unmap.size == 0 ? "nothing mapped (VFIO_DMA_UNMAP_FLAG_ALL: 0 bytes)" : $"unmap-all answered {Errno.FromResult(result)} with 0x{unmap.size:x} bytes";
            }

            case VfioMode.Cdev:
            {
                using var iommufd = new IommufdHandle(kernel, offer.DmaSpaceFd, ownsHandle: false);
                var id = offer.IoasId!.Value;
                var unmap = new iommu_ioas_unmap { size = (uint)Unsafe.SizeOf<iommu_ioas_unmap>(), ioas_id = id, iova = 0, length = ulong.MaxValue };
                var result = iommufd.TryIOMMU_IOAS_UNMAP(ref unmap);
                open.Device.Dispose();
                var destroy = new iommu_destroy { size = (uint)Unsafe.SizeOf<iommu_destroy>(), id = id };
                var destroyed = iommufd.TryIOMMU_DESTROY(ref destroy);
                return result == 0 && unmap.length == 0 && destroyed == 0
                    ? $"nothing mapped in IOAS 0x{id:x} (unmap-all: 0 bytes), destroyed after edu's release"
                    : $"IOAS 0x{id:x}: unmap-all answered {Errno.FromResult(result)} with 0x{unmap.length:x} bytes, destroy {Errno.FromResult(destroyed)}";
            }

            default:
                return "nothing to check (no-IOMMU: the worker's addresses are physical, no mapping lives in the kernel)";
        }
    }

    private static WorkerRun RunWorker(string socketPath)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath ?? throw new InvalidOperationException("no path of this program to run as the worker"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(WorkerArgument);
        start.ArgumentList.Add(socketPath);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("the worker process did not start");

        // Synchronous reads on threads of their own, and the readers closed here: Process.Dispose leaves a stream
        // that was read synchronously open (the worker's stdout and stderr pipes were left in the broker).
        using var outputReader = process.StandardOutput;
        using var errorReader = process.StandardError;
        var output = string.Empty;
        var error = string.Empty;
        var outputThread = new Thread(() => output = outputReader.ReadToEnd()) { IsBackground = true };
        var errorThread = new Thread(() => error = errorReader.ReadToEnd()) { IsBackground = true };
        outputThread.Start();
        errorThread.Start();
        var killed = false;
        if (!process.WaitForExit(WorkerTimeout))
        {
            process.Kill();
            killed = true;
        }

        process.WaitForExit();
        outputThread.Join();
        errorThread.Join();
        return new WorkerRun(killed ? -1 : process.ExitCode, output, (killed ? $"killed after {WorkerTimeout.TotalSeconds} s; " : string.Empty) + error.Trim());
    }

    /// <summary>VFIO's and iommufd's files among this process's fds.</summary>
    private static IReadOnlyList<string> VfioFiles() =>
        ProcessResources.Descriptors().Where(d => d.Contains("vfio", StringComparison.Ordinal) || d.Contains("iommu", StringComparison.Ordinal)).ToList();

    /// <summary>VFIO's and iommufd's files, eventfds and sockets: what the runtime and the broker open.</summary>
    private static IReadOnlyList<string> VfioFilesAndSockets() =>
        ProcessResources.Descriptors().Where(d => d.Contains("vfio", StringComparison.Ordinal) || d.Contains("iommu", StringComparison.Ordinal)
            || d.Contains("[eventfd]", StringComparison.Ordinal) || d.Contains("socket:", StringComparison.Ordinal)).ToList();

    /// <summary>
    /// This process's fds once the worker's connection is closed: its thread closes it when the worker's close
    /// arrives, so wait (bounded) until the VFIO fds and sockets are those the broker had while serving.
    /// </summary>
    private static IReadOnlyList<string> AfterWorker(IReadOnlyList<string> serving)
    {
        _ = WaitFor(serving, VfioFilesAndSockets);
        return ProcessResources.Descriptors();
    }

    private static IReadOnlyList<string> WaitFor(IReadOnlyList<string> expected, Func<IReadOnlyList<string>> read)
    {
        var now = read();
        for (var i = 0; i < 250 && !now.SequenceEqual(expected); i++)
        {
            Thread.Sleep(20);
            now = read();
        }

        return now;
    }

    private static void Require(long result, string step)
    {
        if (result < 0)
        {
            throw new InvalidOperationException($"{step}: {Errno.FromResult(result)}");
        }
    }

    /// <summary>What the worker process printed (<c>key value</c> lines) and its exit code.</summary>
    private sealed record WorkerRun(int ExitCode, string Output, string Error)
    {
        public string? Value(string key)
        {
            foreach (var line in Output.Split('\n'))
            {
                if (line.StartsWith(key + " ", StringComparison.Ordinal))
                {
                    return line[(key.Length + 1)..].Trim();
                }
            }

            return null;
        }

        /// <summary>Exit 0, the DMA round trip done, the IOAS id adopted the one handed over, no VFIO fd inherited, its fds as it started.</summary>
        public bool Passed(string expectedIoas) =>
            ExitCode == 0
            && Value("dma")?.StartsWith("ok", StringComparison.Ordinal) == true
            && Value("ioas") == expectedIoas
            && Value("inherited") == "none"
            && Value("fds")?.StartsWith("same", StringComparison.Ordinal) == true;

        public override string ToString() =>
            $"exit {ExitCode}, adopted IOAS {Value("ioas") ?? "?"}, dma {Value("dma") ?? "?"}; inherited VFIO fds {Value("inherited") ?? "?"}, its fds {Value("fds") ?? "?"}" +
            (Value("error") is { } failure ? $"; failed: {failure}" : string.Empty) +
            (Error.Length > 0 ? $"; stderr: {Error.ReplaceLineEndings(" ")}" : string.Empty);
    }
}
