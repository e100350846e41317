using static VfioSharp.Analyzers.Tests.OverlappingMembers.OverlappingMemberVerifier;

namespace VfioSharp.Analyzers.Tests.OverlappingMembers;

/// <summary>VFIO002: reads whose bytes another arm wrote last on every path.</summary>
public sealed class PunningReadTests
{
    [Fact]
    public Task Reading_the_cdev_arm_after_writing_only_the_group_arm()
        => VerifyWithReviewTypesAsync(
            """
            static class Code
            {
                static uint Configure()
                {
                    ContainerConfig cfg = default;
                    cfg.group_cfg.dma_setup_done = true;
                    return {|VFIO002:cfg.cdev_cfg.ioas_id|};
                }
            }
            """);

    [Fact]
    public Task The_message_names_the_read_the_writer_and_the_union()
        => VerifyWithReviewTypesAsync(
            """
            static class Code
            {
                static uint Configure()
                {
                    ContainerConfig cfg = default;
                    cfg.group_cfg.dma_setup_done = true;
                    return cfg.cdev_cfg.ioas_id;
                }
            }
            """,
            PunningRead()
                .WithSpan(36, 16, 36, 36)
                .WithSpan(35, 9, 35, 37)
                .WithArguments("cdev_cfg.ioas_id", "group_cfg.dma_setup_done", "ContainerConfig"));

    [Fact]
    public Task Every_path_writing_the_other_arm_is_punning()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static uint Configure(bool ready)
                {
                    ContainerConfig cfg = default;
                    if (ready)
                        cfg.group_cfg.dma_setup_done = true;
                    else
                        cfg.group_cfg = new GroupConfig();
                    return {|VFIO002:cfg.cdev_cfg.ioas_id|};
                }
            }
            """);

    [Fact]
    public Task One_path_with_the_right_arm_is_not_punning()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static uint Configure(bool ready, uint id)
                {
                    ContainerConfig cfg = default;
                    if (ready)
                        cfg.group_cfg.dma_setup_done = true;
                    else
                        cfg.cdev_cfg.ioas_id = id;
                    return cfg.cdev_cfg.ioas_id;
                }
            }
            """);

    [Fact]
    public Task Reading_the_input_arm_that_nothing_filled_is_punning()
        => VerifyAsync("""
            using System.Runtime.InteropServices;

            [StructLayout(LayoutKind.Explicit, Size = 32)]
            struct iommu_hw_info
            {
                [FieldOffset(0)] public uint size;
                [FieldOffset(24)] public uint in_data_type;
                [FieldOffset(24)] public uint out_data_type;
            }

            static class Code
            {
                static uint Query()
                {
                    var info = new iommu_hw_info { size = 32 };
                    info.in_data_type = 3;
                    return {|VFIO002:info.out_data_type|};
                }
            }
            """);

    [Fact]
    public Task A_read_of_a_clobbered_value_is_reported_once_as_the_clobber()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static uint Configure(uint id)
                {
                    ContainerConfig cfg = default;
                    cfg.cdev_cfg.ioas_id = id;
                    {|VFIO001:cfg.group_cfg.dma_setup_done|} = true;
                    return cfg.cdev_cfg.ioas_id;
                }
            }
            """);

    [Fact]
    public Task A_read_clobbered_on_one_path_and_punned_on_the_other_is_reported_once()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static uint Configure(bool known, uint id)
                {
                    ContainerConfig cfg = default;
                    if (known)
                        cfg.cdev_cfg.ioas_id = id;
                    {|VFIO001:cfg.group_cfg.dma_setup_done|} = true;
                    return cfg.cdev_cfg.ioas_id;
                }
            }
            """);

    [Fact]
    public Task Reads_of_whole_unions_and_same_arm_members_are_not_punning()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static ContainerConfig Configure()
                {
                    ContainerConfig cfg = default;
                    cfg.group_cfg.dma_setup_done = true;
                    Vfio.Use(cfg.group_cfg.dma_setup_done);
                    var group = cfg.group_cfg;
                    return cfg;
                }
            }
            """);
}
