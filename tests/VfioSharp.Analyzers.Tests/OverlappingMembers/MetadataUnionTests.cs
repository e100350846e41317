using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using static VfioSharp.Analyzers.Tests.OverlappingMembers.OverlappingMemberVerifier;

namespace VfioSharp.Analyzers.Tests.OverlappingMembers;

/// <summary>
/// Unions a driver uses from the runtime assembly: the generated <c>VfioSharp.Uapi</c> records come
/// from metadata, where <c>FieldOffset</c> is invisible, and are laid out from their
/// <c>[UapiField]</c> attributes. <c>iommu_hw_info</c> carries the union of
/// <c>in_data_type</c> (what the caller asks for) and <c>out_data_type</c> (what the kernel
/// answers) at byte 24.
/// </summary>
public sealed class MetadataUnionTests
{
    private const string Usings = """
        using VfioSharp.Handles;
        using VfioSharp.Uapi;

        """;

    [Fact]
    public Task Resetting_the_output_arm_before_the_ioctl_clobbers_the_requested_type()
        => VerifyAgainstRuntimeAsync(Usings + """
            static class HwInfo
            {
                public static long Query(IommufdHandle iommufd, uint deviceId)
                {
                    var info = new iommu_hw_info { dev_id = deviceId };
                    info.flags = (uint)iommufd_hw_info_flags.IOMMU_HW_INFO_FLAG_INPUT_TYPE;
                    info.in_data_type = (uint)iommu_hw_info_type.IOMMU_HW_INFO_TYPE_INTEL_VTD;
                    {|VFIO001:info.out_data_type|} = 0;
                    return iommufd.TryIOMMU_GET_HW_INFO(ref info);
                }
            }
            """);

    [Fact]
    public Task The_message_names_the_generated_union_from_metadata()
        => VerifyAgainstRuntimeAsync(
            Usings + """
            static class HwInfo
            {
                public static long Query(IommufdHandle iommufd, uint requested)
                {
                    var info = new iommu_hw_info();
                    info.in_data_type = requested;
                    info.out_data_type = 0;
                    return iommufd.TryIOMMU_GET_HW_INFO(ref info);
                }
            }
            """,
            Clobber()
                .WithSpan(9, 9, 9, 27)
                .WithSpan(8, 9, 8, 26)
                .WithArguments("out_data_type", "in_data_type", "iommu_hw_info", "bytes 0-3"));

    [Fact]
    public Task Reading_the_output_arm_nothing_filled_is_a_punning_read()
        => VerifyAgainstRuntimeAsync(Usings + """
            static class HwInfo
            {
                public static uint Query()
                {
                    var info = new iommu_hw_info { size = 40 };
                    info.in_data_type = (uint)iommu_hw_info_type.IOMMU_HW_INFO_TYPE_DEFAULT;
                    return {|VFIO002:info.out_data_type|};
                }
            }
            """);

    [Fact]
    public Task A_union_nested_in_a_driver_struct_is_followed_into_metadata()
        => VerifyAgainstRuntimeAsync(Usings + """
            sealed class Device
            {
                public iommu_hw_info info;
                public uint id;
            }

            static class HwInfo
            {
                public static void Prepare(Device device, uint requested)
                {
                    device.info.in_data_type = requested;
                    {|VFIO001:device.info.out_data_type|} = 0;
                }
            }
            """);

    [Fact]
    public Task The_kernel_filling_the_record_between_the_arms_is_not_punning()
        => VerifyAgainstRuntimeAsync(Usings + """
            static class HwInfo
            {
                public static uint Query(IommufdHandle iommufd, uint deviceId)
                {
                    var info = new iommu_hw_info { dev_id = deviceId };
                    info.in_data_type = (uint)iommu_hw_info_type.IOMMU_HW_INFO_TYPE_DEFAULT;
                    if (iommufd.TryIOMMU_GET_HW_INFO(ref info) < 0)
                        return 0;
                    return info.out_data_type;
                }
            }
            """);

    [Fact]
    public Task Members_of_a_metadata_record_that_share_no_bytes_stay_silent()
        => VerifyAgainstRuntimeAsync(Usings + """
            static class HwInfo
            {
                public static long Query(IommufdHandle iommufd, uint deviceId, uint requested)
                {
                    var info = new iommu_hw_info();
                    info.in_data_type = requested;
                    info.dev_id = deviceId;
                    info.out_max_pasid_log2 = 0;
                    info.out_capabilities = 0;
                    return iommufd.TryIOMMU_GET_HW_INFO(ref info);
                }
            }
            """);

    [Fact]
    public Task A_copy_of_a_metadata_record_is_separate_storage()
        => VerifyAgainstRuntimeAsync(Usings + """
            static class HwInfo
            {
                public static long Query(IommufdHandle iommufd, uint requested)
                {
                    var info = new iommu_hw_info();
                    info.in_data_type = requested;
                    var reply = info;
                    reply.out_data_type = 0;
                    return iommufd.TryIOMMU_GET_HW_INFO(ref info) + reply.out_data_type;
                }
            }
            """);

    /// <summary>
    /// Another assembly's bindings with an attribute of the same metadata name (a driver that ships
    /// its own copy of the runtime's annotations): matched by name, not by symbol.
    /// </summary>
    private static readonly MetadataReference OtherBindings = Library("OtherBindings", """
        using System;
        using System.Runtime.InteropServices;

        namespace VfioSharp
        {
            [AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
            public sealed class UapiFieldAttribute : Attribute
            {
                public UapiFieldAttribute(int offset, int size) { }
            }
        }

        namespace Other.Uapi
        {
            public struct group_config { [VfioSharp.UapiField(0, 1)] public bool dma_setup_done; [VfioSharp.UapiField(4, 4)] public int n_groups; }

            public struct cdev_config { [VfioSharp.UapiField(0, 4)] public uint ioas_id; }

            [StructLayout(LayoutKind.Explicit, Size = 8)]
            public struct container_config
            {
                [FieldOffset(0), VfioSharp.UapiField(0, 8)] public group_config group_cfg;
                [FieldOffset(0), VfioSharp.UapiField(0, 4)] public cdev_config cdev_cfg;
            }

            // A union without the annotation: its offsets are invisible from metadata.
            [StructLayout(LayoutKind.Explicit)]
            public struct unannotated { [FieldOffset(0)] public bool flag; [FieldOffset(0)] public uint id; }
        }
        """);

    [Fact]
    public Task An_annotated_union_of_another_assembly_is_seen_by_the_attribute_name()
        => VerifyWithLibraryAsync(
            """
            using Other.Uapi;

            static class Secondary
            {
                public static uint SelectMode(uint ioas_id)
                {
                    var cfg = new container_config();
                    cfg.cdev_cfg.ioas_id = ioas_id;
                    {|VFIO001:cfg.group_cfg.dma_setup_done|} = true;
                    return cfg.cdev_cfg.ioas_id;
                }
            }
            """,
            OtherBindings);

    [Fact]
    public Task A_union_from_metadata_without_the_annotation_stays_invisible()
        => VerifyWithLibraryAsync(
            """
            using Other.Uapi;

            static class Secondary
            {
                public static uint Pun(uint id)
                {
                    var u = new unannotated();
                    u.id = id;
                    u.flag = true;
                    return u.id;
                }
            }
            """,
            OtherBindings);

    private static MetadataReference Library(string name, string source)
    {
        var compilation = CSharpCompilation.Create(
            name,
            [CSharpSyntaxTree.ParseText(source)],
            Basic.Reference.Assemblies.Net80.References.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        using var stream = new MemoryStream();
        var emitted = compilation.Emit(stream);
        Assert.True(emitted.Success, string.Join(Environment.NewLine, emitted.Diagnostics));
        return MetadataReference.CreateFromImage(stream.ToArray());
    }
}
