using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using VfioSharp.Emitter;
using VfioSharp.Generator;
using VfioSharp.Model;
using VfioSharp.Model.Json;

namespace VfioSharp.Bench.Generator;

/// <summary>
/// Times <see cref="BindingsGenerator"/> on one model as the compiler runs it: a
/// <see cref="CSharpGeneratorDriver"/> over a small compilation, the model an AdditionalText with the
/// metadata the build targets give it. Prints wall time and the process's CPU time: on a machine shared
/// with other builders, CPU time is what stays comparable between runs.
/// Usage: <c>model.json [iterations] [warm-up-seconds] [result-file]</c>.
/// </summary>
internal static class Program
{
    private const int EarlyRuns = 5;

    private const int QuietRounds = 5;

    private static int Main(string[] args)
    {
        if (args.Length is < 1 or > 4)
        {
            Console.Error.WriteLine("usage: VfioSharp.Bench.Generator model.json [iterations=50] [warm-up-seconds=3] [result-file]");
            return 2;
        }

        var inv = CultureInfo.InvariantCulture;
        var modelPath = Path.GetFullPath(args[0]);
        var iterations = args.Length > 1 ? int.Parse(args[1], inv) : 50;
        var warmUp = TimeSpan.FromSeconds(args.Length > 2 ? double.Parse(args[2], inv) : 3);
        var resultFile = args.Length > 3 ? args[3] : null;

        var bench = new GeneratorBench(modelPath);
        var check = bench.Check();
        if (check is not null)
        {
            Console.Error.WriteLine(check);
            return 1;
        }

        // The first runs of a fresh process: what a compiler server pays once (the JIT), then while the
        // generator's code is still unoptimized (tier 0: a server that rarely runs it stays there).
        var first = bench.FreshDriver();
        var early = new List<Sample>();
        for (var i = 0; i < EarlyRuns; i++)
        {
            Collect();
            early.Add(bench.FreshDriver());
        }

        // Steady state, as in a compiler server that has run the generator many times. Warmed up until
        // the JIT is done, not for a count: tiered compilation promotes hot methods to optimized code on a
        // background thread after a delay, later still on a busy machine. Done = at least the minimum
        // time, and no method compiled for QuietRounds rounds in a row.
        var phases = new (string Name, Func<Sample> Measure)[]
        {
            ("driver", bench.FreshDriver),
            ("file", bench.ReadFile),
            ("read", bench.ReadModel),
            ("emit", bench.Emit),
            ("incremental", bench.IncrementalEdit),
            ("parse", bench.Parse),
        };
        var warmUpStart = Stopwatch.GetTimestamp();
        var warmUpRounds = 0;
        for (var quietRounds = 0; quietRounds < QuietRounds || Stopwatch.GetElapsedTime(warmUpStart) < warmUp; warmUpRounds++)
        {
            var compiledBefore = JitInfo.GetCompiledMethodCount();
            foreach (var (_, measure) in phases)
            {
                Collect();
                measure();
            }

            quietRounds = JitInfo.GetCompiledMethodCount() == compiledBefore ? quietRounds + 1 : 0;
        }

        // Then each piece on its own, in turn: interleaved, the garbage of one (the parse's syntax trees
        // above all) changed the GC's work in the next.
        var samples = new Dictionary<string, List<Sample>>(StringComparer.Ordinal);
        foreach (var (name, measure) in phases)
        {
            var list = samples[name] = [];
            for (var i = 0; i < iterations; i++)
            {
                Collect();
                list.Add(measure());
            }
        }

        var driver = samples["driver"];
        var incremental = samples["incremental"];
        Console.WriteLine(string.Create(inv, $"model: {modelPath} ({new FileInfo(modelPath).Length / 1024} KiB), namespace {GeneratorBench.Namespace}"));
        Console.WriteLine(string.Create(inv, $"generated: {bench.Files} files, {bench.Lines:N0} lines, {bench.Chars / 1024:N0} KiB of C#"));
        Console.WriteLine(string.Create(inv, $"iterations: {iterations} after {warmUpRounds} warm-up rounds (until the JIT was done, {warmUp.TotalSeconds:F0} s at least); a fresh driver each: no incremental cache"));
        Console.WriteLine();
        Console.WriteLine("                                             wall median      p90      min | CPU median | GC pause median");
        Print("generator, fresh driver (RunGenerators)", driver);
        Print("  split: model file -> SourceText", samples["file"]);
        Print("  split: ModelJsonReader.Read", samples["read"]);
        Print("  split: BindingsEmitter.Emit", samples["emit"]);
        Print("then: the compile's parse of its trees", samples["parse"]);
        Print("generator, after an unrelated edit", incremental);
        Print(string.Create(inv, $"new process: runs 2-{EarlyRuns + 1} (before tier-1 JIT)"), early);
        Print("new process: first run (JIT included)", [first]);
        Console.WriteLine(string.Create(inv, $"allocated by a fresh-driver run: {bench.LastAllocated / (1024.0 * 1024):F1} MiB"));

        if (resultFile is not null)
        {
            // For bench/generator/run's summary: wall median, wall p90, CPU median, incremental wall median, first run.
            var wall = Stats.Of(driver, s => s.Wall);
            File.WriteAllText(resultFile, string.Create(inv,
                $"{wall.Median:F1} {wall.P90:F1} {Stats.Of(driver, s => s.Cpu).Median:F1} {Stats.Of(incremental, s => s.Wall).Median:F2} {first.Wall:F1}\n"));
        }

        return 0;
    }

    /// <summary>Garbage of the previous measurement is not charged to the next one.</summary>
    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }

    private static void Print(string label, List<Sample> samples)
    {
        var wall = Stats.Of(samples, s => s.Wall);
        var cpu = Stats.Of(samples, s => s.Cpu);
        var gc = Stats.Of(samples, s => s.GcPause);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label,-44} {wall.Median,8:F2} {wall.P90,8:F2} {wall.Min,8:F2} | {cpu.Median,8:F2}   | {gc.Median,8:F2} ms"));
    }
}

/// <summary>The pieces timed; each returns its wall and CPU time.</summary>
internal sealed class GeneratorBench
{
    public const string Namespace = "Bench.Uapi";

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private readonly string _modelPath;
    private readonly ISourceGenerator _generator = new BindingsGenerator().AsSourceGenerator();
    private readonly AnalyzerConfigOptionsProvider _options = new MetadataOptions(new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["build_metadata.AdditionalFiles.VfioSharpNamespace"] = Namespace,
    });

    private readonly CSharpCompilation _compilation;
    private readonly string _modelText;
    private readonly UapiModel _model;
    private GeneratorDriver _incremental;
    private int _edits;

    public GeneratorBench(string modelPath)
    {
        _modelPath = modelPath;
        _compilation = CSharpCompilation.Create(
            "Consumer",
            [CSharpSyntaxTree.ParseText("namespace App; internal static class Driver { public static int Answer => 42; }", ParseOptions)],
            FrameworkReferences(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));
        _modelText = File.ReadAllText(modelPath);
        _model = ModelJsonReader.Read(_modelText);
        ImmutableArray<string> emitted = [.. BindingsEmitter.Emit(_model, new EmitOptions(Namespace, isPublic: false)).Files.Select(f => f.Text)];
        Files = emitted.Length;
        Lines = emitted.Sum(text => text.Count(c => c == '\n'));
        Chars = emitted.Sum(text => (long)text.Length);
        _incremental = NewDriver().RunGenerators(_compilation);
    }

    public int Files { get; }

    public int Lines { get; }

    public long Chars { get; }

    /// <summary>Bytes allocated by the last <see cref="FreshDriver"/> run (every thread).</summary>
    public long LastAllocated { get; private set; }

    /// <summary>What the driver produced, checked once: the benchmark must time a run that works.</summary>
    public string? Check()
    {
        var result = NewDriver().RunGenerators(_compilation).GetRunResult();
        if (result.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
        {
            return "the generator reported: " + string.Join("; ", result.Diagnostics);
        }

        var generated = result.Results.Single().GeneratedSources;
        return generated.Length == Files && generated.Sum(s => s.SourceText.Length) == Chars
            ? null
            : "the driver's output differs from BindingsEmitter.Emit's";
    }

    /// <summary>A driver that never ran, as after a change of the model: everything is computed.</summary>
    public Sample FreshDriver()
    {
        var driver = NewDriver();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var timer = Timer.Start();
        driver.RunGeneratorsAndUpdateCompilation(_compilation, out var output, out _);
        var sample = timer.Stop();
        LastAllocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        GC.KeepAlive(output);
        return sample;
    }

    /// <summary>The compiler's read of the AdditionalFile (page cache warm), then the generator's ToString.</summary>
    public Sample ReadFile()
    {
        var timer = Timer.Start();
        var text = new FileAdditionalText(_modelPath).GetText()!.ToString();
        var sample = timer.Stop();
        GC.KeepAlive(text);
        return sample;
    }

    public Sample ReadModel()
    {
        var timer = Timer.Start();
        var model = ModelJsonReader.Read(_modelText);
        var sample = timer.Stop();
        GC.KeepAlive(model);
        return sample;
    }

    public Sample Emit()
    {
        var timer = Timer.Start();
        var result = BindingsEmitter.Emit(_model, new EmitOptions(Namespace, isPublic: false));
        var sample = timer.Stop();
        GC.KeepAlive(result);
        return sample;
    }

    /// <summary>
    /// Roslyn's parse of the generated text. The driver hands its trees to the compilation unparsed
    /// (<c>ParseTextLazy</c>), so the compile that follows pays this, not RunGenerators: timed apart,
    /// on the trees of an untimed driver run.
    /// </summary>
    public Sample Parse()
    {
        NewDriver().RunGeneratorsAndUpdateCompilation(_compilation, out var output, out _);
        var generated = output.SyntaxTrees.Except(_compilation.SyntaxTrees).ToList();
        var timer = Timer.Start();
        foreach (var tree in generated)
        {
            tree.GetRoot();
        }

        return timer.Stop();
    }

    /// <summary>A driver that ran already, after an edit of a file that has nothing to do with the model.</summary>
    public Sample IncrementalEdit()
    {
        var edited = _compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(
            "namespace App; internal static class Edit" + (++_edits).ToString(CultureInfo.InvariantCulture) + " { }", ParseOptions));
        var timer = Timer.Start();
        _incremental = _incremental.RunGeneratorsAndUpdateCompilation(edited, out var output, out _);
        var sample = timer.Stop();
        GC.KeepAlive(output);
        return sample;
    }

    private CSharpGeneratorDriver NewDriver() =>
        CSharpGeneratorDriver.Create([_generator], [new FileAdditionalText(_modelPath)], ParseOptions, _options);

    /// <summary>The running framework's assemblies: what a net10.0 consumer compiles against.</summary>
    private static MetadataReference[] FrameworkReferences() =>
        [.. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(path => Path.GetFileName(path).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(path) is "mscorlib.dll" or "netstandard.dll")
            .Select(path => MetadataReference.CreateFromFile(path))];
}

/// <summary>One measurement, in milliseconds: wall time, the CPU time of the whole process, and the GC's pauses in it.</summary>
internal readonly record struct Sample(double Wall, double Cpu, double GcPause);

/// <summary>
/// Wall clock and process CPU clock together. CPU time counts every thread of the process (the GC and
/// the JIT's background thread too) and, unlike wall time, not the time other builders held the cores.
/// </summary>
internal readonly partial struct Timer
{
    private const int ClockProcessCpuTime = 2; // CLOCK_PROCESS_CPUTIME_ID, Linux

    private readonly long _wall;
    private readonly double _cpu;
    private readonly TimeSpan _gcPause;

    private Timer(long wall, double cpu, TimeSpan gcPause)
    {
        _wall = wall;
        _cpu = cpu;
        _gcPause = gcPause;
    }

    public static Timer Start() => new(Stopwatch.GetTimestamp(), CpuMilliseconds(), GC.GetTotalPauseDuration());

    public Sample Stop()
    {
        var cpu = CpuMilliseconds();
        var wall = Stopwatch.GetElapsedTime(_wall).TotalMilliseconds;
        return new Sample(wall, cpu - _cpu, (GC.GetTotalPauseDuration() - _gcPause).TotalMilliseconds);
    }

    private static double CpuMilliseconds()
    {
        if (ClockGetTime(ClockProcessCpuTime, out var time) != 0)
        {
            throw new InvalidOperationException("clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed: errno " + Marshal.GetLastPInvokeError().ToString(CultureInfo.InvariantCulture));
        }

        return (time.Seconds * 1e3) + (time.Nanoseconds / 1e6);
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}

/// <summary>An AdditionalFile read from disk on first use and kept, as the compiler's own is.</summary>
internal sealed class FileAdditionalText(string path) : AdditionalText
{
    private SourceText? _text;

    public override string Path { get; } = path;

    public override SourceText? GetText(CancellationToken cancellationToken = default)
    {
        if (_text is null)
        {
            using var stream = File.OpenRead(Path);
            _text = SourceText.From(stream, Encoding.UTF8);
        }

        return _text;
    }
}

/// <summary>Gives every AdditionalFile the same item metadata, as <c>VfioSharp.targets</c> does for a model.</summary>
internal sealed class MetadataOptions(Dictionary<string, string> fileValues) : AnalyzerConfigOptionsProvider
{
    private readonly Options _fileOptions = new(fileValues);

    public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(new Dictionary<string, string>(StringComparer.Ordinal));

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => GlobalOptions;

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => _fileOptions;

    private sealed class Options(Dictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, out string value) => values.TryGetValue(key, out value!);
    }
}

/// <summary>Median, 90th percentile and minimum of a sample.</summary>
internal readonly record struct Stats(double Median, double P90, double Min)
{
    public static Stats Of(List<Sample> samples, Func<Sample, double> value)
    {
        var sorted = samples.Select(value).Order().ToArray();
        var middle = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        var p90 = sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(0.9 * sorted.Length) - 1)];
        return new Stats(median, p90, sorted[0]);
    }
}
