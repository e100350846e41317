using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace VfioSharp.Bench.AnalyzersInProcess;

/// <summary>
/// Times the VfioSharp analyzers on a corpus of bench/VfioSharp.Bench.AnalyzerCorpus inside one process:
/// per round, the compile of the corpus without them (parse, bind, emit) and the run of all eight through
/// <see cref="CompilationWithAnalyzers"/>, whose telemetry gives each analyzer's time in its callbacks.
/// Both single-threaded, alternated, medians over the rounds. The diagnostics must be the same in every
/// round and, with <c>--expect</c>, the same as a file written before a change (<c>--write</c>).
/// Usage: <c>corpus-folder analyzers.dll runtime.dll [--rounds 7] [--warm-up 2] [--expect F | --write F] [--analyzers-only] [--only VFIO00n,...]</c>.
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        var inv = CultureInfo.InvariantCulture;
        if (args.Length < 3)
        {
            Console.Error.WriteLine("usage: corpus-folder analyzers.dll runtime.dll [--rounds 7] [--warm-up 2] [--expect F | --write F] [--analyzers-only] [--only VFIO00n,...]");
            return 2;
        }

        var rounds = 7;
        var warmUp = 2;
        string? expect = null;
        string? write = null;
        var analyzersOnly = false;
        string[]? only = null;
        for (var i = 3; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rounds": rounds = int.Parse(args[++i], inv); break;
                case "--warm-up": warmUp = int.Parse(args[++i], inv); break;
                case "--expect": expect = args[++i]; break;
                case "--write": write = args[++i]; break;
                // For a profiler: only the analyzer runs, no baseline compile between them.
                case "--analyzers-only": analyzersOnly = true; break;
                // To see one rule's cost alone (it then pays for what the rules share): IDs, comma-separated.
                case "--only": only = args[++i].Split(','); break;
                default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
            }
        }

        var inputs = new CorpusInputs(args[0], Path.GetFullPath(args[2]));
        var analyzers = LoadAnalyzers(Path.GetFullPath(args[1]));
        if (only is not null)
        {
            analyzers = analyzers.Where(analyzer => analyzer.SupportedDiagnostics.Any(descriptor => only.Contains(descriptor.Id))).ToImmutableArray();
            expect = null;
        }
        var loadBefore = LoadAverage();
        Console.WriteLine($"== {inputs.Lines} lines in {inputs.Files} files ({args[0]}); {analyzers.Length} analyzers; "
            + $"{warmUp} warm-up + {rounds} rounds; load average before: {loadBefore}");

        var compileTimes = new List<double>();
        var analyzerPassTimes = new List<double>();
        var analyzerPassCpuTimes = new List<double>();
        var totals = new List<double>();
        var perAnalyzer = analyzers.ToDictionary(analyzer => analyzer, _ => new List<double>());
        string[]? sites = null;
        for (var round = -warmUp; round < rounds; round++)
        {
            if (round == 0)
            {
                ResetProbe(analyzers[0].GetType().Assembly);
            }

            if (!analyzersOnly)
            {
                var compile = CompileOnce(inputs);
                if (round >= 0)
                {
                    compileTimes.Add(compile);
                }
            }

            var run = await AnalyzeOnce(inputs, analyzers);
            if (sites is null)
            {
                sites = run.Sites;
            }
            else if (!sites.SequenceEqual(run.Sites, StringComparer.Ordinal))
            {
                Console.Error.WriteLine("the analyzers reported different diagnostics in two rounds:");
                Console.Error.WriteLine(string.Join('\n', DiagnosticSites.Difference(sites, run.Sites)));
                return 1;
            }

            if (round >= 0)
            {
                analyzerPassTimes.Add(run.PassMilliseconds);
                analyzerPassCpuTimes.Add(run.PassCpuMilliseconds);
                totals.Add(run.PerAnalyzer.Values.Sum());
                foreach (var (analyzer, time) in run.PerAnalyzer)
                {
                    perAnalyzer[analyzer].Add(time);
                }
            }
        }

        var loadAfter = LoadAverage();
        Console.WriteLine($"   load average after: {loadAfter}");
        var total = Median(totals);
        if (!analyzersOnly)
        {
            var compile = Median(compileTimes);
            Console.WriteLine(FormattableString.Invariant($"  compile without analyzers (parse, bind, emit)   {compile,8:F0} ms   rounds: {Spread(compileTimes)}"));
            Console.WriteLine(FormattableString.Invariant($"  VfioSharp analyzers (telemetry, sum of 8)       {total,8:F0} ms   rounds: {Spread(totals)}"));
            Console.WriteLine(FormattableString.Invariant($"  share = analyzers / compile                     {total / compile * 100,8:F2} %   (target < 3 %: {(total / compile * 100 < 3 ? "met" : "NOT MET")})"));
            var shares = totals.Zip(compileTimes, (analyzer, compiled) => analyzer / compiled * 100).Order().ToList();
            Console.WriteLine(FormattableString.Invariant($"  share per round (sorted): {string.Join(' ', shares.Select(share => share.ToString("F1", inv)))}"));
            // The least disturbed round of each: on a shared 2-core machine, preemption only ever adds time.
            Console.WriteLine(FormattableString.Invariant($"  fastest rounds: analyzers {totals.Min():F0} ms / compile {compileTimes.Min():F0} ms = {totals.Min() / compileTimes.Min() * 100:F2} %"));
        }
        else
        {
            Console.WriteLine(FormattableString.Invariant($"  VfioSharp analyzers (telemetry, sum of 8)       {total,8:F0} ms   rounds: {Spread(totals)}"));
        }

        Console.WriteLine(FormattableString.Invariant($"  analyzer pass, wall (driver's binding included) {Median(analyzerPassTimes),8:F0} ms"));
        // CPU time of the whole process over the pass: preemption by other processes doesn't count, the
        // runtime's own threads (GC, JIT) do; steadier than wall time on a busy machine to compare two builds.
        Console.WriteLine(FormattableString.Invariant($"  analyzer pass, process CPU time                 {Median(analyzerPassCpuTimes),8:F0} ms   rounds: {Spread(analyzerPassCpuTimes)}"));
        Console.WriteLine("  per analyzer (telemetry, median ms):");
        foreach (var (analyzer, times) in perAnalyzer.OrderByDescending(pair => Median(pair.Value)))
        {
            var ids = string.Join(", ", analyzer.SupportedDiagnostics.Select(descriptor => descriptor.Id).Distinct());
            Console.WriteLine(FormattableString.Invariant($"    {ids,-17} {analyzer.GetType().Name,-40} {Median(times),8:F1}"));
        }

        PrintProbe(analyzers[0].GetType().Assembly);
        Console.WriteLine($"  diagnostics: {sites!.Length} ({DiagnosticSites.Counts(sites)})");
        if (write is not null)
        {
            await File.WriteAllLinesAsync(write, sites);
            Console.WriteLine($"  written to {write}");
        }

        if (expect is not null)
        {
            var expected = await File.ReadAllLinesAsync(expect);
            if (!expected.SequenceEqual(sites, StringComparer.Ordinal))
            {
                Console.Error.WriteLine($"the diagnostics differ from {expect} ({expected.Length} expected, {sites.Length} reported):");
                Console.Error.WriteLine(string.Join('\n', DiagnosticSites.Difference(expected, sites)));
                return 1;
            }

            Console.WriteLine($"  same as {expect}: yes");
        }

        return 0;
    }

    /// <summary>One compile without analyzers: parse, bind, emit to memory. Milliseconds.</summary>
    private static double CompileOnce(CorpusInputs inputs)
    {
        Collect();
        var start = Stopwatch.GetTimestamp();
        var compilation = inputs.Compile();
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (!result.Success)
        {
            throw new InvalidOperationException("the corpus does not compile:\n" + string.Join('\n',
                result.Diagnostics.Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error).Take(20)));
        }

        return elapsed;
    }

    /// <summary>One run of the analyzers on a fresh compilation, as a build of a compiler server makes one.</summary>
    private static async Task<AnalyzerRun> AnalyzeOnce(CorpusInputs inputs, ImmutableArray<DiagnosticAnalyzer> analyzers)
    {
        Collect();
        var failures = new List<string>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions([]),
            (exception, analyzer, _) => { lock (failures) { failures.Add($"{analyzer.GetType().Name}: {exception}"); } },
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: true,
            reportSuppressedDiagnostics: false);
        var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        var start = Stopwatch.GetTimestamp();
        var withAnalyzers = inputs.Compile().WithAnalyzers(analyzers, options);
        var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync();
        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalMilliseconds;
        if (failures.Count > 0 || diagnostics.Any(diagnostic => diagnostic.Id == "AD0001"))
        {
            throw new InvalidOperationException("an analyzer threw:\n" + string.Join('\n', failures));
        }

        var perAnalyzer = new Dictionary<DiagnosticAnalyzer, double>();
        foreach (var analyzer in analyzers)
        {
            var telemetry = await withAnalyzers.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None);
            perAnalyzer[analyzer] = telemetry.ExecutionTime.TotalMilliseconds;
        }

        return new AnalyzerRun(elapsed, cpu, perAnalyzer, DiagnosticSites.Of(diagnostics));
    }

    private static ImmutableArray<DiagnosticAnalyzer> LoadAnalyzers(string path)
    {
        var assembly = Assembly.LoadFrom(path);
        var analyzers = assembly.GetTypes()
            .Where(type => !type.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(type)
                && type.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
            .OrderBy(type => type.FullName, StringComparer.Ordinal)
            .Select(type => (DiagnosticAnalyzer)Activator.CreateInstance(type)!)
            .ToImmutableArray();
        return analyzers.IsEmpty ? throw new InvalidOperationException($"no analyzer in {path}") : analyzers;
    }

    /// <summary>
    /// For a scratch copy of the analyzers instrumented with counters: VFIOSHARP_BENCH_PROBE names a type of
    /// the analyzer assembly whose public static long fields are printed (totals over the measured rounds: zeroed after the warm-up).
    /// </summary>
    private static void PrintProbe(Assembly assembly)
    {
        if (Environment.GetEnvironmentVariable("VFIOSHARP_BENCH_PROBE") is not { Length: > 0 } name)
        {
            return;
        }

        foreach (var field in assembly.GetType(name, throwOnError: true)!.GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            Console.WriteLine($"  probe {field.Name} = {field.GetValue(null)}");
        }
    }

    private static void ResetProbe(Assembly assembly)
    {
        if (Environment.GetEnvironmentVariable("VFIOSHARP_BENCH_PROBE") is { Length: > 0 } name)
        {
            foreach (var field in assembly.GetType(name, throwOnError: true)!.GetFields(BindingFlags.Public | BindingFlags.Static))
            {
                field.SetValue(null, 0L);
            }
        }
    }

    /// <summary>Each phase starts with an empty young generation, so one phase's garbage isn't collected in the other's time.</summary>
    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN
            : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2]
            : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Spread(List<double> values) =>
        values.Count == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{values.Min():F0}–{values.Max():F0}");

    private sealed record AnalyzerRun(double PassMilliseconds, double PassCpuMilliseconds, Dictionary<DiagnosticAnalyzer, double> PerAnalyzer, string[] Sites);
}
