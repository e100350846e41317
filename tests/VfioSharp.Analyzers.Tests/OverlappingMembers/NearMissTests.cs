using static VfioSharp.Analyzers.Tests.OverlappingMembers.OverlappingMemberVerifier;

namespace VfioSharp.Analyzers.Tests.OverlappingMembers;

/// <summary>Code that looks like a clobber and is not: none of it may be flagged.</summary>
public sealed class NearMissTests
{
    [Fact]
    public Task A_copy_of_an_arm_is_separate_storage()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static uint Configure(Container c, uint id)
                {
                    var copy = c.cfg.cdev_cfg;
                    copy.ioas_id = id;
                    c.cfg.group_cfg.dma_setup_done = true;
                    return copy.ioas_id;
                }
            }
            """);

    [Fact]
    public Task Different_instances_do_not_share_bytes()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static void Configure(Container a, Container b, uint id)
                {
                    a.cfg.cdev_cfg.ioas_id = id;
                    b.cfg.group_cfg.dma_setup_done = true;
                }

                static uint Locals(uint id)
                {
                    ContainerConfig x = default, y = default;
                    x.cdev_cfg.ioas_id = id;
                    y.group_cfg.dma_setup_done = true;
                    return x.cdev_cfg.ioas_id;
                }
            }
            """);

    [Fact]
    public Task Members_of_different_arms_at_different_bytes_do_not_overlap()
        => VerifyAsync("""
            using System.Runtime.InteropServices;

            [StructLayout(LayoutKind.Explicit)]
            struct Reply
            {
                [FieldOffset(0)] public byte valid;
                [FieldOffset(4)] public int count;
                [FieldOffset(0)] public long raw;
            }

            sealed class Device { public Reply reply; }

            static class Code
            {
                static int Configure(Device d, int count)
                {
                    d.reply.count = count;
                    d.reply.valid = 1;
                    return d.reply.count;
                }
            }
            """);

    [Fact]
    public Task A_dead_store_to_a_local_is_no_clobber()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static bool Configure(uint id)
                {
                    ContainerConfig cfg = default;
                    cfg.cdev_cfg.ioas_id = id;
                    cfg.group_cfg.dma_setup_done = true;
                    return cfg.group_cfg.dma_setup_done;
                }
            }
            """);

    [Fact]
    public Task Stores_to_the_same_arm_never_clobber()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static void Configure(Container c, uint id)
                {
                    c.cfg.cdev_cfg.ioas_id = id;
                    c.cfg.cdev_cfg.iommufd = 3;
                    c.cfg.cdev_cfg = new CdevConfig { ioas_id = id };
                    c.cfg.cdev_cfg.ioas_id++;
                }
            }
            """);

    [Fact]
    public Task A_value_written_again_before_anyone_reads_it_was_not_lost()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static uint Configure(uint id)
                {
                    ContainerConfig cfg = default;
                    cfg.cdev_cfg.ioas_id = id;
                    cfg.group_cfg.dma_setup_done = true;
                    cfg.cdev_cfg.ioas_id = id;
                    return cfg.cdev_cfg.ioas_id;
                }
            }
            """);

    [Fact]
    public Task Resetting_the_whole_union_between_arms_is_clean()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static void Configure(Container c, uint id)
                {
                    c.cfg.cdev_cfg.ioas_id = id;
                    c.cfg = default;
                    c.cfg.group_cfg.dma_setup_done = true;
                }
            }
            """);

    [Fact]
    public Task A_value_consumed_before_the_other_arm_is_written_is_clean_when_the_union_does_not_escape()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static bool Configure(uint id)
                {
                    ContainerConfig cfg = default;
                    cfg.cdev_cfg.ioas_id = id;
                    Vfio.Use(cfg.cdev_cfg.ioas_id);
                    cfg.group_cfg.dma_setup_done = true;
                    return cfg.group_cfg.dma_setup_done;
                }
            }
            """);

    [Fact]
    public Task The_kernel_filling_the_struct_behind_in_data_type_makes_out_data_type_clean()
        => VerifyAsync("""
            using System.Runtime.InteropServices;

            [StructLayout(LayoutKind.Explicit, Size = 32)]
            struct iommu_hw_info
            {
                [FieldOffset(0)] public uint size;
                [FieldOffset(4)] public uint flags;
                [FieldOffset(8)] public uint dev_id;
                [FieldOffset(24)] public uint in_data_type;
                [FieldOffset(24)] public uint out_data_type;
            }

            static class Code
            {
                static int Ioctl(int fd, ref iommu_hw_info info) => 0;

                static uint Query(int fd, uint dev)
                {
                    var info = new iommu_hw_info { size = 32, dev_id = dev };
                    info.in_data_type = 3;
                    if (Ioctl(fd, ref info) < 0) return 0;
                    return info.out_data_type;
                }
            }
            """);

    [Fact]
    public Task A_spilled_by_ref_argument_still_fills_what_it_was_given()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static int Sync(ref CdevConfig cfg, int flags) => 0;

                static uint Configure(bool fast)
                {
                    ContainerConfig cfg = default;
                    cfg.group_cfg.dma_setup_done = true;
                    Sync(ref cfg.cdev_cfg, fast ? 1 : 2);
                    return cfg.cdev_cfg.ioas_id;
                }
            }
            """);

    [Fact]
    public Task Arms_chosen_in_exclusive_branches_are_clean()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static void Configure(Container c, bool cdev, uint id)
                {
                    if (cdev)
                        c.cfg.cdev_cfg.ioas_id = id;
                    else
                        c.cfg.group_cfg.dma_setup_done = true;
                }
            }
            """);

    [Fact]
    public Task A_loop_that_rewrites_its_own_local_each_iteration_is_clean()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static uint Sum(uint[] ids)
                {
                    uint sum = 0;
                    foreach (var id in ids)
                    {
                        ContainerConfig cfg;
                        cfg.cdev_cfg = default;
                        cfg.cdev_cfg.ioas_id = id;
                        sum += cfg.cdev_cfg.ioas_id;
                        cfg.group_cfg.dma_setup_done = true;
                    }

                    return sum;
                }
            }
            """);

    [Fact]
    public Task A_finally_that_restores_the_arm_before_it_is_read_is_clean()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static uint Configure(uint id)
                {
                    ContainerConfig cfg = default;
                    cfg.cdev_cfg.ioas_id = id;
                    try
                    {
                        cfg.group_cfg.dma_setup_done = true;
                        Vfio.Use(cfg.group_cfg.dma_setup_done);
                    }
                    finally
                    {
                        cfg.cdev_cfg.ioas_id = id;
                    }

                    return cfg.cdev_cfg.ioas_id;
                }
            }
            """);

    [Fact]
    public Task Many_mode_variables_past_the_state_bound_do_not_invent_clobbers()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static void Configure(Container c, bool a, bool b, bool d, bool e, bool f, uint id)
                {
                    if (a) Vfio.Use(1u);
                    if (b) Vfio.Use(2u);
                    if (d) Vfio.Use(3u);
                    if (e) Vfio.Use(4u);
                    if (f && Vfio.CdevSyncIoas(ref c.cfg.cdev_cfg) < 0) return;
                    if (a) Vfio.Use(5u);
                    if (b) Vfio.Use(6u);
                    if (d) Vfio.Use(7u);
                    if (e) Vfio.Use(8u);
                    if (!f) c.cfg.group_cfg.dma_setup_done = true;
                }
            }
            """);
}
