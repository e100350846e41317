using System.Collections.Concurrent;
using VfioSharp.Model.Json;

namespace VfioSharp.Model.Tests.Infrastructure;

/// <summary>
/// The models of the vendored header sets, scanned once per test run by the CLI exactly as the build
/// scans them (both headers, --strict).
/// </summary>
internal static class VendoredModels
{
    public const string Linux612 = "linux-6.12";
    public const string Linux617 = "linux-6.17";

    private static readonly ConcurrentDictionary<string, Lazy<string>> Paths = new();

    public static TheoryData<string> All => new() { Linux612, Linux617 };

    /// <summary>The path of the scanned model file.</summary>
    public static string PathOf(string version) =>
        Paths.GetOrAdd(version, key => new Lazy<string>(() =>
        {
            var outPath = Path.Combine(Repository.NewTemporaryDirectory(), key + ".json");
            var run = CliRun.Start("scan", "--root", Repository.Headers(key), "--header", "linux/vfio.h", "--header", "linux/iommufd.h", "--out", outPath, "--strict");
            if (run.ExitCode != 0)
            {
                throw new InvalidOperationException($"scan of {key} failed ({run.ExitCode}):\n{run.Error}");
            }

            return outPath;
        })).Value;

    public static string Text(string version) => File.ReadAllText(PathOf(version));

    public static UapiModel Read(string version) => ModelJsonReader.Read(Text(version));
}
