using VfioSharp.Scanner.Tests.Infrastructure;

namespace VfioSharp.Scanner.Tests.Completeness;

public sealed class CompletenessTests
{
    [Theory]
    [MemberData(nameof(HeaderSets.All), MemberType = typeof(HeaderSets))]
    public void Every_struct_and_union_with_a_body_is_in_the_model(string set)
    {
        var (root, headers, run) = ScannedModels.Get(set);
        var records = run.Model.GetProperty("records").EnumerateArray().ToList();
        var tagged = records.Where(r => !r.GetProperty("anonymous").GetBoolean()).Select(r => r.GetProperty("name").GetString()!).ToHashSet();
        var anonymous = records.Count(r => r.GetProperty("anonymous").GetBoolean());

        var expectedTagged = new HashSet<string>(StringComparer.Ordinal);
        var expectedUntagged = 0;
        foreach (var header in headers)
        {
            var code = HeaderText.Code(Path.Combine(root, header));
            expectedTagged.UnionWith(HeaderText.TaggedRecordsWithBody(code));
            expectedUntagged += HeaderText.UntaggedRecordBodies(code);
        }

        Assert.Empty(expectedTagged.Except(tagged));
        Assert.Equal(expectedUntagged, anonymous);
        Assert.NotEmpty(expectedTagged);
    }

    [Theory]
    [MemberData(nameof(HeaderSets.All), MemberType = typeof(HeaderSets))]
    public void Every_ioctl_macro_is_in_the_model_and_in_no_other_list(string set)
    {
        var (root, headers, run) = ScannedModels.Get(set);
        var expected = headers.SelectMany(h => HeaderText.IoctlMacros(HeaderText.Code(Path.Combine(root, h)))).ToHashSet();
        var ioctls = run.Model.GetProperty("ioctls").EnumerateArray().Select(i => i.GetProperty("name").GetString()!).ToHashSet();
        var macros = run.Model.GetProperty("macros").EnumerateArray().Select(i => i.GetProperty("name").GetString()!).ToHashSet();

        Assert.Equal(expected.Order(), ioctls.Order());
        Assert.Empty(expected.Intersect(macros));
        Assert.NotEmpty(expected);
    }

    [Fact]
    public void Ten_request_numbers_are_shared_by_ioctls_of_different_fd_kinds()
    {
        // NOTES.md: vfio.h reuses ten numbers across fd kinds; typed calls rely on the fd kind to tell them apart.
        var ioctls = ScannedModels.Get(HeaderSets.Linux617).Run.Model.GetProperty("ioctls").EnumerateArray().ToList();
        var shared = ioctls.GroupBy(i => i.GetProperty("request").GetUInt64()).Where(g => g.Count() > 1).ToList();

        Assert.Equal(10, shared.Count);
        Assert.All(ioctls, i => Assert.Equal("table", i.GetProperty("argumentSource").GetString()));
    }
}
