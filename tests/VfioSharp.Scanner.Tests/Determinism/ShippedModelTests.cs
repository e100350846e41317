using VfioSharp.Scanner.Tests.Infrastructure;

namespace VfioSharp.Scanner.Tests.Determinism;

public sealed class ShippedModelTests
{
    /// <summary>
    /// The toolkit ships the models of its own header sets, so that projects using them never run libclang.
    /// A shipped model must be exactly what the scanner makes of its headers today.
    /// </summary>
    [Theory]
    [MemberData(nameof(HeaderSets.Vendored), MemberType = typeof(HeaderSets))]
    public void The_shipped_model_is_what_the_scanner_makes_of_its_headers(string set)
    {
        var shipped = File.ReadAllText(Path.Combine(Repository.Headers(set), "model.json"));

        var scanned = ScannedModels.Get(set).Run.ModelText;

        Assert.True(shipped == scanned,
            $"headers/{set}/model.json is stale: regenerate it with `dotnet run --project generator/VfioSharp.Cli -- scan --root headers/{set} --header linux/vfio.h --header linux/iommufd.h --out headers/{set}/model.json --strict`");
    }
}
