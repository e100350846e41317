using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;
using VfioSharp.Bench.Runtime;

// LinuxKernel, FIONBIO and /dev/null: the benchmark runs on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

// In-process (no second build of a generated project) and explicit iteration counts: a launch takes about a
// minute and a half on the 2-core machine; bench/runtime/run launches it a few times and reads the JSON reports.
// Usage: VfioSharp.Bench.Runtime [artifacts-folder] [benchmark-name-glob...]
//        VfioSharp.Bench.Runtime interleaved [rounds=300] [calls-per-batch=2000]
// The second form is a diagnostic: the ioctl variants round-robin in one process (InterleavedComparison), each
// call through a delegate (about 1 ns more for every variant but the C loop).
if (args is ["interleaved", ..])
{
    using var path = new IoctlPathBenchmarks();
    path.Setup();
    var variants = new List<(string, Func<int, long>)>();
    if (IoctlPathBenchmarks.CLibraryPath is not null)
    {
        variants.Add((nameof(path.CLoop), calls => Repeat(calls / IoctlPathBenchmarks.CCallsPerInvoke, path.CLoop)));
    }

    variants.Add((nameof(path.NoTransition), calls => Repeat(calls, path.NoTransition)));
    variants.Add((nameof(path.Libc), calls => Repeat(calls, path.Libc)));
    variants.Add((nameof(path.LibcLastError), calls => Repeat(calls, path.LibcLastError)));
    variants.Add((nameof(path.Kernel), calls => Repeat(calls, path.Kernel)));
    variants.Add((nameof(path.Invoke), calls => Repeat(calls, path.Invoke)));
    variants.Add((nameof(path.InvokeLoop), calls => Repeat(calls / IoctlPathBenchmarks.CCallsPerInvoke, path.InvokeLoop)));
    InterleavedComparison.Run(variants, args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 300, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2000, Console.Out);
    return;
}

var job = Job.Default
    .WithToolchain(InProcessEmitToolchain.Instance)
    .WithLaunchCount(1)
    .WithWarmupCount(5)
    .WithIterationCount(15)
    .WithIterationTime(TimeInterval.FromMilliseconds(250));
var config = ManualConfig.CreateMinimumViable()
    .AddJob(job)
    .AddExporter(JsonExporter.Brief)
    .WithArtifactsPath(args.Length > 0 ? args[0] : "BenchmarkDotNet.Artifacts");
if (IoctlPathBenchmarks.CLibraryPath is null)
{
    Console.Error.WriteLine("FIONBIO_LIBRARY is not set: the C loop (bench/runtime/fionbio.c as a shared library) is left out");
    config = config.AddFilter(new SimpleFilter(benchmark => benchmark.Descriptor.WorkloadMethod.Name != nameof(IoctlPathBenchmarks.CLoop)));
}

if (args.Length > 1)
{
    config = config.AddFilter(new GlobFilter(args[1..]));
}

BenchmarkRunner.Run([typeof(IoctlPathBenchmarks), typeof(RuntimeCostBenchmarks)], config);

// Calls one variant `count` times; the sum keeps the results alive.
static long Repeat<T>(int count, Func<T> call)
    where T : System.Numerics.INumber<T>
{
    var sum = T.Zero;
    for (var i = 0; i < count; i++)
    {
        sum += call();
    }

    return long.CreateTruncating(sum);
}
