using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using VfioSharp.Bench.Runtime;

// In-process (no second build), short enough for a 2-core machine; bench/runtime/run reads the CSV.
var job = Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(15).WithLaunchCount(1);
var config = ManualConfig.CreateMinimumViable().AddJob(job).AddExporter(CsvExporter.Default).WithArtifactsPath(args.Length > 0 ? args[0] : "BenchmarkDotNet.Artifacts");
BenchmarkRunner.Run([typeof(IoctlPathBenchmarks), typeof(RuntimeCostBenchmarks)], config);
