using static VfioSharp.Analyzers.Tests.OverlappingMembers.OverlappingMemberVerifier;

namespace VfioSharp.Analyzers.Tests.OverlappingMembers;

/// <summary>
/// The bytes a VFIO001 message names are counted from the start of the overwritten member, wherever
/// the union lies in its struct: DPDK's struct container holds its anonymous union after two other
/// members, and the review says "the low byte of the ioas_id", not byte 8 of the container.
/// </summary>
public sealed class ClobberMessageTests
{
    private const string DpdkContainer = """
        using System.Runtime.InteropServices;

        struct VfioGroupConfig { public bool dma_setup_done; public bool iommu_type_set; public nuint n_groups; }

        struct VfioCdevConfig { public uint ioas_id; }

        [StructLayout(LayoutKind.Explicit)]
        struct Container
        {
            [FieldOffset(0)] public bool active;
            [FieldOffset(4)] public int container_fd;
            [FieldOffset(8)] public VfioGroupConfig group_cfg;
            [FieldOffset(8)] public VfioCdevConfig cdev_cfg;
        }

        """;

    [Fact]
    public Task The_low_byte_of_an_arm_that_starts_past_the_union_start_is_byte_0()
        => VerifyAsync(
            DpdkContainer + """
            static class Secondary
            {
                static void Sync(ref Container cfg, uint ioas_id)
                {
                    cfg.cdev_cfg = new VfioCdevConfig { ioas_id = ioas_id };
                    cfg.group_cfg.dma_setup_done = true;
                }
            }
            """,
            Clobber()
                .WithSpan(20, 9, 20, 37)
                .WithSpan(19, 9, 19, 21)
                .WithArguments("group_cfg.dma_setup_done", "cdev_cfg", "Container", "byte 0"));

    [Fact]
    public Task The_bytes_are_counted_from_the_overwritten_member_as_named()
        => VerifyAsync(
            DpdkContainer + """
            static class Secondary
            {
                static void Sync(ref Container cfg, uint ioas_id)
                {
                    cfg.cdev_cfg.ioas_id = ioas_id;
                    cfg.group_cfg.iommu_type_set = true;
                }
            }
            """,
            Clobber()
                .WithSpan(20, 9, 20, 37)
                .WithSpan(19, 9, 19, 29)
                .WithArguments("group_cfg.iommu_type_set", "cdev_cfg.ioas_id", "Container", "byte 1"));
}
