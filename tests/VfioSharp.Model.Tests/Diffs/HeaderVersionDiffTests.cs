using VfioSharp.Model.Diffs;
using VfioSharp.Model.Tests.Infrastructure;

namespace VfioSharp.Model.Tests.Diffs;

/// <summary>
/// The diff of the vendored 6.12 and 6.17 models against what `diff headers/linux-6.12/linux/vfio.h
/// headers/linux-6.17/linux/vfio.h` (and iommufd.h) shows when read by hand.
/// </summary>
public sealed class HeaderVersionDiffTests
{
    private static readonly Lazy<IReadOnlyList<ModelChange>> Changes = new(() =>
        ModelDiff.Compare(VendoredModels.Read(VendoredModels.Linux612), VendoredModels.Read(VendoredModels.Linux617)));

    private static IEnumerable<string> Lines => Changes.Value.Select(change => change.ToString());

    [Fact]
    public void Vfio_device_bind_iommufd_grows_a_token_pointer()
    {
        // 6.17 appends `__aligned_u64 token_uuid_ptr;` to { __u32 argsz, flags; __s32 iommufd; __u32 out_devid; }.
        Assert.Contains("~ struct vfio_device_bind_iommufd: size 16 -> 24, alignment 4 -> 8 [ABI]", Lines);
        var field = Single(ModelElementKind.Field, "vfio_device_bind_iommufd.token_uuid_ptr");
        Assert.Equal(ChangeKind.Added, field.Kind);
        Assert.StartsWith("@16 (", field.Description, StringComparison.Ordinal);
        Assert.True(field.AbiRelevant);
        Assert.Contains("+ macro VFIO_DEVICE_BIND_FLAG_TOKEN = 1 (int)", Lines);
    }

    [Fact]
    public void Attach_and_detach_gain_a_pasid()
    {
        // attach: { argsz, flags, pt_id } + __u32 pasid; detach: { argsz, flags } + __u32 pasid.
        Assert.Contains("~ struct vfio_device_attach_iommufd_pt: size 12 -> 16 [ABI]", Lines);
        Assert.Contains("+ field vfio_device_attach_iommufd_pt.pasid @12 (__u32) [ABI]", Lines);
        Assert.Contains("+ macro VFIO_DEVICE_ATTACH_PASID = 1 (int)", Lines);
        Assert.Contains("~ struct vfio_device_detach_iommufd_pt: size 8 -> 12 [ABI]", Lines);
        Assert.Contains("+ field vfio_device_detach_iommufd_pt.pasid @8 (__u32) [ABI]", Lines);
        Assert.Contains("+ macro VFIO_DEVICE_DETACH_PASID = 1 (int)", Lines);
    }

    [Fact]
    public void The_nesting_iommu_type_is_renamed_to_a_reserved_name()
    {
        Assert.Contains("- macro VFIO_TYPE1_NESTING_IOMMU = 6 (int)", Lines);
        Assert.Contains("+ macro __VFIO_RESERVED_TYPE1_NESTING_IOMMU = 6 (int)", Lines);
    }

    [Fact]
    public void A_new_ap_interrupt_shifts_the_interrupt_count()
    {
        // enum { VFIO_AP_REQ_IRQ_INDEX, VFIO_AP_CFG_CHG_IRQ_INDEX (new), VFIO_AP_NUM_IRQS };
        Assert.Contains("+ constant VFIO_AP_CFG_CHG_IRQ_INDEX = 1 (anonymous enum)", Lines);
        Assert.Contains("~ constant VFIO_AP_NUM_IRQS: value 1 -> 2 [ABI]", Lines);
    }

    [Fact]
    public void Iommufd_adds_six_ioctls_and_changes_none()
    {
        // IOMMUFD_CMD_IOAS_MAP_FILE = 0x8f ... IOMMUFD_CMD_HW_QUEUE_ALLOC = 0x94, each _IO(';', cmd).
        var expected = new[]
        {
            ("IOMMU_IOAS_MAP_FILE", "0x3B8F"),
            ("IOMMU_VIOMMU_ALLOC", "0x3B90"),
            ("IOMMU_VDEVICE_ALLOC", "0x3B91"),
            ("IOMMU_IOAS_CHANGE_PROCESS", "0x3B92"),
            ("IOMMU_VEVENTQ_ALLOC", "0x3B93"),
            ("IOMMU_HW_QUEUE_ALLOC", "0x3B94"),
        };

        var ioctls = Changes.Value.Where(change => change.Element == ModelElementKind.Ioctl).ToList();

        Assert.All(ioctls, ioctl => Assert.Equal(ChangeKind.Added, ioctl.Kind));
        Assert.Equal(expected.Select(ioctl => ioctl.Item1).Order(StringComparer.Ordinal), ioctls.Select(ioctl => ioctl.Name));
        foreach (var (name, request) in expected)
        {
            Assert.StartsWith("= " + request + " on iommufd (", Single(ModelElementKind.Ioctl, name).Description, StringComparison.Ordinal);
        }

        foreach (var command in new[] { "IOAS_MAP_FILE", "VIOMMU_ALLOC", "VDEVICE_ALLOC", "IOAS_CHANGE_PROCESS", "VEVENTQ_ALLOC", "HW_QUEUE_ALLOC" })
        {
            Assert.Equal(ChangeKind.Added, Single(ModelElementKind.EnumConstant, "IOMMUFD_CMD_" + command).Kind);
        }
    }

    [Fact]
    public void The_records_and_enums_that_iommufd_adds()
    {
        string[] records =
        [
            "iommu_hw_info__anon1", "iommu_hw_info_arm_smmuv3", "iommu_hw_info_tegra241_cmdqv", "iommu_hw_queue_alloc",
            "iommu_hwpt_arm_smmuv3", "iommu_ioas_change_process", "iommu_ioas_map_file", "iommu_vdevice_alloc",
            "iommu_vevent_arm_smmuv3", "iommu_vevent_tegra241_cmdqv", "iommu_veventq_alloc", "iommu_viommu_alloc",
            "iommu_viommu_arm_smmuv3_invalidate", "iommu_viommu_tegra241_cmdqv", "iommufd_vevent_header",
        ];
        string[] enums = ["iommu_hw_queue_type", "iommu_veventq_flag", "iommu_veventq_type", "iommu_viommu_type", "iommufd_hw_info_flags"];

        Assert.Equal(records, Changes.Value.Where(change => change.Kind == ChangeKind.Added && change.Element is ModelElementKind.Struct or ModelElementKind.Union).Select(change => change.Name));
        Assert.Equal(ModelElementKind.Union, Single(ModelElementKind.Union, "iommu_hw_info__anon1").Element);
        Assert.Equal(enums, Changes.Value.Where(change => change.Element == ModelElementKind.Enum).Select(change => change.Name));
        Assert.All(Changes.Value.Where(change => change.Element == ModelElementKind.Enum), change => Assert.Equal(ChangeKind.Added, change.Kind));
    }

    [Fact]
    public void A_new_union_arm_over_an_existing_field_is_not_an_abi_change()
    {
        // `__u32 out_data_type;` became `union { __u32 in_data_type; __u32 out_data_type; };`: same bytes.
        var added = Single(ModelElementKind.Field, "iommu_hw_info.in_data_type");
        Assert.Equal((ChangeKind.Added, false), (added.Kind, added.AbiRelevant));
        Assert.Contains("~ field iommu_hw_info.out_data_type: anonymousRecord none -> iommu_hw_info__anon1", Lines);
        Assert.DoesNotContain(Changes.Value, change => change.Element == ModelElementKind.Struct && change.Name == "iommu_hw_info");
    }

    [Fact]
    public void Exactly_the_layout_and_value_changes_are_abi_relevant()
    {
        string[] expected =
        [
            "~ struct vfio_device_attach_iommufd_pt: size 12 -> 16 [ABI]",
            "~ struct vfio_device_bind_iommufd: size 16 -> 24, alignment 4 -> 8 [ABI]",
            "~ struct vfio_device_detach_iommufd_pt: size 8 -> 12 [ABI]",
            "+ field vfio_device_attach_iommufd_pt.pasid @12 (__u32) [ABI]",
            "+ field vfio_device_bind_iommufd.token_uuid_ptr @16 (__u64) [ABI]",
            "+ field vfio_device_detach_iommufd_pt.pasid @8 (__u32) [ABI]",
            "~ constant VFIO_AP_NUM_IRQS: value 1 -> 2 [ABI]",
        ];

        Assert.Equal(expected, Changes.Value.Where(change => change.AbiRelevant).Select(change => change.ToString()));
    }

    [Fact]
    public void Comment_rewrites_are_not_differences_unless_asked_for()
    {
        var old = VendoredModels.Read(VendoredModels.Linux612);
        var @new = VendoredModels.Read(VendoredModels.Linux617);

        var withDocs = ModelDiff.Compare(old, @new, includeDocumentation: true);

        Assert.DoesNotContain(Changes.Value, change => change.Properties.Any(property => property.Property == "doc"));
        // "@flags: Must be 0." became "@flags: Must be 0 or a bit flags of VFIO_DEVICE_BIND_*".
        Assert.Contains("~ field vfio_device_bind_iommufd.flags: doc changed", withDocs.Select(change => change.ToString()));
        // "Used by the drivers that do not report hardware info" became "Output by ...".
        var none = Assert.Single(withDocs, change => change.Name == "IOMMU_HW_INFO_TYPE_NONE");
        Assert.True(none.DocumentationOnly);
        Assert.False(none.AbiRelevant);
        Assert.Contains("~ struct vfio_device_bind_iommufd: size 16 -> 24, alignment 4 -> 8, doc changed [ABI]", withDocs.Select(change => change.ToString()));
    }

    [Theory]
    [MemberData(nameof(VendoredModels.All), MemberType = typeof(VendoredModels))]
    public void A_model_against_itself_has_no_differences(string version)
    {
        var model = VendoredModels.Read(version);

        Assert.Empty(ModelDiff.Compare(model, model, includeDocumentation: true));
        Assert.Empty(ModelDiff.Compare(model, VendoredModels.Read(version), includeDocumentation: true));
    }

    private static ModelChange Single(ModelElementKind element, string name) =>
        Assert.Single(Changes.Value, change => change.Element == element && change.Name == name);
}
