using System.Text.Json;
using VfioSharp.Scanner.Tests.Infrastructure;

namespace VfioSharp.Scanner.Tests.IoctlTable;

public sealed class IoctlTableTests
{
    private static readonly string TablePath = Path.Combine(Repository.Root, "generator", "VfioSharp.Scanner", "IoctlTable", "ioctl-table.json");

    [Fact]
    public void The_table_has_a_row_for_every_ioctl_of_both_vendored_versions_and_no_stale_row()
    {
        var rows = JsonDocument.Parse(File.ReadAllText(TablePath)).RootElement.GetProperty("ioctls").EnumerateArray()
            .Select(r => r.GetProperty("name").GetString()!).ToHashSet();
        var defined = new[] { HeaderSets.Linux617, HeaderSets.Linux612 }
            .SelectMany(set => ScannedModels.Get(set).Run.Model.GetProperty("ioctls").EnumerateArray())
            .Select(i => i.GetProperty("name").GetString()!)
            .ToHashSet();

        Assert.Equal(defined.Order(), rows.Order());
    }

    [Theory]
    [InlineData("VFIO_IOMMU_MAP_DMA", "struct vfio_dma_map", "vfio_iommu_type1_dma_map")]
    [InlineData("VFIO_IOMMU_UNMAP_DMA", "struct vfio_dma_unmap", "vfio_iommu_type1_dma_unmap")]
    [InlineData("VFIO_DEVICE_QUERY_GFX_PLANE", "struct vfio_device_query_gfx_plane", "vfio_device_gfx_plane_info")]
    public void Where_the_kerneldoc_names_the_wrong_struct_the_table_wins_and_the_disagreement_is_reported(string ioctl, string documented, string actual)
    {
        // NOTES.md lists these comments as wrong; the struct that exists is the one the kernel's handler copies.
        var model = ScannedModels.Get(HeaderSets.Linux617).Run.Model;
        var entry = model.GetProperty("ioctls").EnumerateArray().Single(i => i.GetProperty("name").GetString() == ioctl);

        Assert.Equal(actual, entry.GetProperty("argument").GetString());
        Assert.Equal(documented, entry.GetProperty("kerneldocArgument").GetString());
        var report = Assert.Single(model.GetProperty("reports").EnumerateArray(),
            r => r.GetProperty("code").GetString() == "VSCAN101" && r.GetProperty("message").GetString()!.Contains(ioctl + " ", StringComparison.Ordinal));
        Assert.Contains(documented, report.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("linux/vfio.h:", report.GetProperty("location").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("vfio_device_info", "argsz")]
    [InlineData("vfio_iommu_type1_dma_map", "argsz")]
    [InlineData("iommu_ioas_map", "size")]
    [InlineData("iommu_ioas_iova_ranges", "size")]
    [InlineData("vfio_iova_range", null)]
    [InlineData("vfio_info_cap_header", null)]
    public void Records_that_start_with_argsz_or_size_are_marked(string record, string? sizeField)
    {
        var model = ScannedModels.Get(HeaderSets.Linux617).Run.Model;
        var entry = model.GetProperty("records").EnumerateArray().Single(r => r.GetProperty("name").GetString() == record);

        Assert.Equal(sizeField, entry.GetProperty("sizeField").GetString());
    }

    [Fact]
    public void Outside_the_table_the_argument_comes_from_the_encoding()
    {
        var model = ScannedModels.Get(HeaderSets.EdgeCases).Run.Model;
        var ioctls = model.GetProperty("ioctls").EnumerateArray().ToDictionary(i => i.GetProperty("name").GetString()!);

        Assert.Equal("edge_args", ioctls["EDGE_GET_ARGS"].GetProperty("argument").GetString());
        Assert.Equal("out", ioctls["EDGE_GET_ARGS"].GetProperty("argumentDirection").GetString());
        Assert.Equal("in", ioctls["EDGE_SET_ARGS"].GetProperty("argumentDirection").GetString());
        Assert.Equal("inOut", ioctls["EDGE_XCHG_BITS"].GetProperty("argumentDirection").GetString());
        Assert.Equal("__u32", ioctls["EDGE_SET_COUNT"].GetProperty("argument").GetString());
        Assert.Equal("scalar", ioctls["EDGE_SET_COUNT"].GetProperty("argumentKind").GetString());
        Assert.Equal("edge_config", ioctls["EDGE_CONFIG"].GetProperty("argument").GetString());
        Assert.All(ioctls.Values.Where(i => i.GetProperty("argumentKind").GetString() != "undetermined"),
            i => Assert.Equal("encoding", i.GetProperty("argumentSource").GetString()));
        Assert.Equal("generic", ioctls["EDGE_GET_ARGS"].GetProperty("fdKind").GetString());
    }
}
