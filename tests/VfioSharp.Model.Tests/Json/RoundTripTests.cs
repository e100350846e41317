using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using VfioSharp.Model.Json;
using VfioSharp.Model.Tests.Infrastructure;

namespace VfioSharp.Model.Tests.Json;

/// <summary>The reader is the exact inverse of the writer, on real models and at the edges of every range.</summary>
public sealed class RoundTripTests
{
    [Theory]
    [MemberData(nameof(VendoredModels.All), MemberType = typeof(VendoredModels))]
    public void A_scanned_vendored_model_reads_back_to_the_same_bytes(string version)
    {
        var text = VendoredModels.Text(version);

        var model = ModelJsonReader.Read(text);

        Assert.Equal(text, ModelJsonWriter.Write(model));
    }

    [Theory]
    [MemberData(nameof(VendoredModels.All), MemberType = typeof(VendoredModels))]
    public void A_checked_in_prebuilt_model_reads_back_to_the_same_bytes(string version)
    {
        var path = Path.Combine(Repository.Headers(version), "model.json");
        Assert.True(File.Exists(path), $"{path} is not checked in");
        var text = File.ReadAllText(path);

        Assert.Equal(text, ModelJsonWriter.Write(ModelJsonReader.Read(text)));
    }

    [Fact]
    public void The_617_model_holds_what_the_header_says()
    {
        var model = VendoredModels.Read(VendoredModels.Linux617);

        // struct vfio_device_bind_iommufd { __u32 argsz, flags; __s32 iommufd; __u32 out_devid; __aligned_u64 token_uuid_ptr; }
        var bind = Assert.Single(model.Records, record => record.Name == "vfio_device_bind_iommufd");
        Assert.Equal((24, 8, "argsz"), (bind.Size, bind.Alignment, bind.SizeField));
        Assert.Equal(["argsz", "flags", "iommufd", "out_devid", "token_uuid_ptr"], bind.Fields.Select(field => field.Name));
        Assert.Equal([0L, 4, 8, 12, 16], bind.Fields.Select(field => field.Offset));

        // #define VFIO_DEVICE_BIND_IOMMUFD _IO(VFIO_TYPE, VFIO_BASE + 18): ';' << 8 | (100 + 18).
        var ioctl = Assert.Single(model.Ioctls, ioctl => ioctl.Name == "VFIO_DEVICE_BIND_IOMMUFD");
        Assert.Equal(0x3B76UL, ioctl.Request);
        Assert.Equal(Ioctls.FdKind.Device, ioctl.FdKind);

        // #define VFIO_DEVICE_BIND_FLAG_TOKEN (1 << 0)
        Assert.Equal(1, Assert.Single(model.Macros, macro => macro.Name == "VFIO_DEVICE_BIND_FLAG_TOKEN").IntegerValue);
    }

    [Fact]
    public void Values_at_the_edges_of_every_range_survive_a_round_trip()
    {
        var text = SampleModel.Text();

        var model = ModelJsonReader.Read(text);

        Assert.Equal(text, ModelJsonWriter.Write(model));
        Assert.Contains("18446744073709551615", text, StringComparison.Ordinal);
        Assert.Equal(ulong.MaxValue, model.Ioctls[1].Request);
        Assert.Equal([long.MinValue, long.MaxValue], model.Enums[0].Constants.Select(constant => constant.Value));
        Assert.Equal([-1L, long.MinValue], model.Enums[1].Constants.Select(constant => constant.Value));
        Assert.Equal(int.MinValue, model.Macros[0].IntegerValue);
        Assert.Equal(-1, model.Macros[1].IntegerValue);
        Assert.Equal(SampleModel.AwkwardString, model.Macros[2].StringValue);
        Assert.Equal(SampleModel.AwkwardString, model.Records[0].Doc);
        Assert.Null(model.HeaderSet.Version);
        Assert.Null(model.Enums[1].Name);
        Assert.Equal((35L, 3), (model.Records[0].Fields[1].BitOffset, model.Records[0].Fields[1].BitWidth));
        Assert.Equal([0L], model.Records[0].Fields[5].ArrayDimensions);
    }

    /// <summary>
    /// Another JSON writer's text — every property in reverse order, minified, non-ASCII and HTML-sensitive
    /// characters escaped as \uXXXX — means the same model: the reader depends on JSON, not on the layout
    /// of our writer's output.
    /// </summary>
    [Theory]
    [InlineData(VendoredModels.Linux617)]
    [InlineData("sample")]
    public void Property_order_whitespace_and_escaping_do_not_matter(string source)
    {
        var canonical = source == "sample" ? SampleModel.Text() : VendoredModels.Text(source);
        var reordered = Reverse(JsonNode.Parse(canonical)!)!.ToJsonString(new JsonSerializerOptions { WriteIndented = false, Encoder = JavaScriptEncoder.Default });
        Assert.NotEqual(canonical, reordered);

        Assert.Equal(canonical, ModelJsonWriter.Write(ModelJsonReader.Read(reordered)));
    }

    [Fact]
    public void A_byte_order_mark_and_surrounding_whitespace_are_accepted()
    {
        var text = SampleModel.Text();

        Assert.Equal(text, ModelJsonWriter.Write(ModelJsonReader.Read("\uFEFF \r\n\t" + text + "\r\n  ")));
    }

    private static JsonNode? Reverse(JsonNode? node) => node switch
    {
        JsonObject json => new JsonObject(json.Reverse().Select(member => KeyValuePair.Create(member.Key, Reverse(member.Value?.DeepClone())))),
        JsonArray json => new JsonArray(json.Select(element => Reverse(element?.DeepClone())).ToArray()),
        _ => node?.DeepClone(),
    };
}
