using VfioSharp.Model.Diffs;
using VfioSharp.Model.Ioctls;
using VfioSharp.Model.Records;
using VfioSharp.Model.Tests.Infrastructure;

namespace VfioSharp.Model.Tests.Diffs;

/// <summary>Which changes the diff marks ABI-relevant, one rule at a time, on the sample model.</summary>
public sealed class AbiRelevanceTests
{
    private static readonly UapiModel Old = SampleModel.Create();

    [Fact]
    public void A_moved_field_is_abi_relevant()
    {
        var changes = Compare(WithRecord(0, record => record with { Fields = Replace(record.Fields, 3, field => field with { Offset = 28 }) }));

        Assert.Equal(["~ field vfio_sample.mode: offset 24 -> 28 [ABI]"], changes);
    }

    [Fact]
    public void A_retyped_field_reports_the_spelling_not_what_it_implies()
    {
        var changes = Compare(WithRecord(0, record => record with
        {
            Fields = Replace(record.Fields, 0, field => field with { Type = "__u64", ElementType = "__u64", CanonicalElementType = "unsigned long long", Size = 8, ElementSize = 8 }),
        }));

        Assert.Equal(["~ field vfio_sample.argsz: size 4 -> 8, type __u32 -> __u64 [ABI]"], changes);
    }

    [Fact]
    public void A_typedef_that_changes_meaning_under_the_same_spelling_is_reported()
    {
        var changes = Compare(WithRecord(0, record => record with { Fields = Replace(record.Fields, 0, field => field with { CanonicalElementType = "int", Signed = true }) }));

        Assert.Equal(["~ field vfio_sample.argsz: canonicalElementType __u32 -> int, signed false -> true [ABI]"], changes);
    }

    [Fact]
    public void A_moved_bitfield_is_abi_relevant()
    {
        var changes = Compare(WithRecord(0, record => record with { Fields = Replace(record.Fields, 1, field => field with { BitOffset = 36, BitWidth = 2 }) }));

        Assert.Equal(["~ field vfio_sample.flags: bitOffset 35 -> 36, bitWidth 3 -> 2 [ABI]"], changes);
    }

    [Fact]
    public void A_field_added_over_padding_is_abi_relevant_and_one_over_an_existing_field_is_not()
    {
        // The union vfio_sample__anon1 is 8 bytes; `low` covers 0..3, `wide` 0..7.
        var overPadding = SampleModel.Field("high", 4, 4, "__u32", TypeCategory.Integer, line: 17);
        var overLow = SampleModel.Field("low_alias", 0, 2, "__u16", TypeCategory.Integer, line: 17);
        var withoutWide = WithRecord(1, record => record with { Fields = [record.Fields[0]] });

        Assert.Equal(["+ field vfio_sample__anon1.high @4 (__u32) [ABI]"], Compare(withoutWide, WithRecord(1, record => record with { Fields = [record.Fields[0], overPadding] })));
        Assert.Equal(["+ field vfio_sample__anon1.low_alias @0 (__u16)"], Compare(withoutWide, WithRecord(1, record => record with { Fields = [record.Fields[0], overLow] })));
    }

    [Fact]
    public void A_removed_field_whose_bytes_another_field_still_covers_is_not_abi_relevant()
    {
        var changes = Compare(WithRecord(1, record => record with { Fields = [record.Fields[1]] }));

        Assert.Equal(["- field vfio_sample__anon1.low @0 (__u32)"], changes);
    }

    [Fact]
    public void Values_and_request_numbers_are_abi_relevant()
    {
        var changed = Old with
        {
            Macros = Replace(Old.Macros, 0, macro => macro with { IntegerValue = 7, Type = "unsigned int", Signed = false }),
            Ioctls = Replace(Old.Ioctls, 0, ioctl => ioctl with { Request = 0x3B65, FdKind = FdKind.Group }),
        };

        Assert.Equal(
            [
                "~ macro VFIO_SAMPLE_NEGATIVE: type int -> unsigned int, value -2147483648 -> 7 [ABI]",
                "~ ioctl VFIO_SAMPLE_IOCTL: request 0x3B64 -> 0x3B65, fdKind device -> group [ABI]",
            ],
            Compare(changed));
    }

    [Fact]
    public void Unsigned_values_are_compared_and_printed_unsigned()
    {
        var changed = Old with { Enums = Replace(Old.Enums, 1, enumModel => enumModel with { Constants = Replace(enumModel.Constants, 0, constant => constant with { Value = 1 }) }) };

        Assert.Equal(["~ constant VFIO_SAMPLE_ALL_BITS: value 18446744073709551615 -> 1 [ABI]"], Compare(changed));
    }

    [Fact]
    public void Where_the_scanner_learned_an_argument_is_not_abi_relevant()
    {
        var changed = Old with { Ioctls = Replace(Old.Ioctls, 0, ioctl => ioctl with { ArgumentSource = ArgumentSource.Kerneldoc }) };

        Assert.Equal(["~ ioctl VFIO_SAMPLE_IOCTL: argumentSource table -> kerneldoc"], Compare(changed));
    }

    [Fact]
    public void Added_and_removed_elements_are_listed_but_not_abi_relevant()
    {
        var changed = Old with { Records = [Old.Records[0] with { Name = "vfio_sample_v2" }, Old.Records[1]], Macros = Old.Macros.Skip(1).ToArray() };

        Assert.Equal(
            [
                "- struct vfio_sample (size 40, alignment 8)",
                "+ struct vfio_sample_v2 (size 40, alignment 8)",
                "- macro VFIO_SAMPLE_NEGATIVE = -2147483648 (int)",
            ],
            Compare(changed));
    }

    [Fact]
    public void Locations_are_not_compared()
    {
        var moved = Old with { Records = Old.Records.Select(record => record with { Location = record.Location with { Line = record.Location.Line + 100 } }).ToArray() };

        Assert.Empty(Compare(moved));
    }

    [Fact]
    public void A_doc_change_is_reported_only_when_asked_for_and_never_as_abi()
    {
        var changed = WithRecord(0, record => record with { Doc = "rewritten" });

        Assert.Empty(Compare(changed));
        var change = Assert.Single(ModelDiff.Compare(Old, changed, includeDocumentation: true));
        Assert.Equal("~ struct vfio_sample: doc changed", change.ToString());
        Assert.True(change.DocumentationOnly);
    }

    private static string[] Compare(UapiModel changed) => Compare(Old, changed);

    private static string[] Compare(UapiModel old, UapiModel changed) =>
        ModelDiff.Compare(old, changed).Select(change => change.ToString()).ToArray();

    private static UapiModel WithRecord(int index, Func<RecordModel, RecordModel> change) =>
        Old with { Records = Replace(Old.Records, index, change) };

    private static T[] Replace<T>(IReadOnlyList<T> items, int index, Func<T, T> change) =>
        items.Select((item, i) => i == index ? change(item) : item).ToArray();
}
