using static VfioSharp.Analyzers.Tests.OverlappingMembers.OverlappingMemberVerifier;

namespace VfioSharp.Analyzers.Tests.OverlappingMembers;

/// <summary>
/// The review's Patch 18 finding: in vfio_select_mode's secondary path, the unconditional
/// <c>dma_setup_done = true</c> of the group arm overwrites the low byte of the cdev arm's
/// <c>ioas_id</c> that vfio_cdev_sync_ioas just received from the primary.
/// </summary>
public sealed class ReviewPatch18Tests
{
    [Fact]
    public Task The_unconditional_store_is_flagged_through_a_ref_local()
        => VerifyWithReviewTypesAsync("""
            static class Secondary
            {
                static int SelectMode(Container c, VfioMode mode)
                {
                    ref GroupConfig group_cfg = ref c.cfg.group_cfg;
                    if (mode == VfioMode.Cdev && Vfio.CdevSyncIoas(ref c.cfg.cdev_cfg) < 0)
                        return -1;
                    /* primary handles DMA setup for default containers */
                    {|VFIO001:group_cfg.dma_setup_done|} = true;
                    return 0;
                }
            }
            """);

    [Fact]
    public Task The_message_names_both_members_the_union_and_the_bytes()
        => VerifyWithReviewTypesAsync(
            """
            static class Secondary
            {
                static int SelectMode(Container c, VfioMode mode)
                {
                    if (mode == VfioMode.Cdev && Vfio.CdevSyncIoas(ref c.cfg.cdev_cfg) < 0)
                        return -1;
                    c.cfg.group_cfg.dma_setup_done = true;
                    return 0;
                }
            }
            """,
            Clobber()
                .WithSpan(36, 9, 36, 39)
                .WithSpan(34, 56, 34, 74)
                .WithArguments("group_cfg.dma_setup_done", "cdev_cfg", "ContainerConfig", "byte 0"));

    [Fact]
    public Task The_fix_the_review_proposes_is_clean()
        => VerifyWithReviewTypesAsync("""
            static class Secondary
            {
                static int SelectMode(Container c, VfioMode mode)
                {
                    ref GroupConfig group_cfg = ref c.cfg.group_cfg;
                    if (mode == VfioMode.Cdev && Vfio.CdevSyncIoas(ref c.cfg.cdev_cfg) < 0)
                        return -1;
                    if (mode == VfioMode.Group || mode == VfioMode.NoIommu)
                        group_cfg.dma_setup_done = true;
                    return 0;
                }
            }
            """);

    [Fact]
    public Task The_fix_written_as_a_pattern_is_clean()
        => VerifyWithReviewTypesAsync("""
            static class Secondary
            {
                static int SelectMode(Container c, VfioMode mode)
                {
                    if (mode is VfioMode.Cdev && Vfio.CdevSyncIoas(ref c.cfg.cdev_cfg) < 0)
                        return -1;
                    if (mode is VfioMode.Group or VfioMode.NoIommu)
                        c.cfg.group_cfg.dma_setup_done = true;
                    return 0;
                }
            }
            """);

    [Fact]
    public Task The_fix_with_a_goto_to_the_error_label_is_clean()
        => VerifyWithReviewTypesAsync("""
            static class Secondary
            {
                static int SelectMode(Container c, VfioMode mode)
                {
                    ref GroupConfig group_cfg = ref c.cfg.group_cfg;
                    if (mode == VfioMode.Cdev && Vfio.CdevSyncIoas(ref c.cfg.cdev_cfg) < 0)
                        goto err;
                    if (mode == VfioMode.Group || mode == VfioMode.NoIommu)
                        group_cfg.dma_setup_done = true;
                    return 0;
                err:
                    c.mode = VfioMode.None;
                    return -1;
                }
            }
            """);

    [Fact]
    public Task The_fix_as_a_switch_is_clean()
        => VerifyWithReviewTypesAsync("""
            static class Secondary
            {
                static int SelectMode(Container c, VfioMode mode)
                {
                    switch (mode)
                    {
                        case VfioMode.Cdev:
                            if (Vfio.CdevSyncIoas(ref c.cfg.cdev_cfg) < 0) return -1;
                            break;
                    }

                    switch (mode)
                    {
                        case VfioMode.Group:
                        case VfioMode.NoIommu:
                            c.cfg.group_cfg.dma_setup_done = true;
                            break;
                    }

                    return 0;
                }
            }
            """);

    [Fact]
    public Task The_fix_testing_a_mode_field_the_method_never_writes_is_clean()
        => VerifyWithReviewTypesAsync("""
            static class Secondary
            {
                static int SelectMode(Container c)
                {
                    if (c.mode == VfioMode.Cdev && Vfio.CdevSyncIoas(ref c.cfg.cdev_cfg) < 0)
                        return -1;
                    if (c.mode != VfioMode.Cdev)
                        c.cfg.group_cfg.dma_setup_done = true;
                    return 0;
                }
            }
            """);

    [Fact]
    public Task The_fix_testing_a_boolean_twice_is_clean()
        => VerifyWithReviewTypesAsync("""
            static class Secondary
            {
                static int SelectMode(Container c, bool isCdev)
                {
                    if (isCdev && Vfio.CdevSyncIoas(ref c.cfg.cdev_cfg) < 0)
                        return -1;
                    if (!isCdev)
                        c.cfg.group_cfg.dma_setup_done = true;
                    return 0;
                }
            }
            """);

    [Fact]
    public Task A_condition_that_still_admits_cdev_is_flagged()
        => VerifyWithReviewTypesAsync("""
            static class Secondary
            {
                static int SelectMode(Container c, VfioMode mode)
                {
                    if (mode == VfioMode.Cdev && Vfio.CdevSyncIoas(ref c.cfg.cdev_cfg) < 0)
                        return -1;
                    if (mode != VfioMode.Group)
                        {|VFIO001:c.cfg.group_cfg.dma_setup_done|} = true;
                    return 0;
                }
            }
            """);

    [Fact]
    public Task The_buggy_code_as_a_switch_is_flagged()
        => VerifyWithReviewTypesAsync("""
            static class Secondary
            {
                static int SelectMode(Container c, VfioMode mode)
                {
                    switch (mode)
                    {
                        case VfioMode.Cdev:
                            if (Vfio.CdevSyncIoas(ref c.cfg.cdev_cfg) < 0) return -1;
                            break;
                        case VfioMode.Group:
                            break;
                    }

                    {|VFIO001:c.cfg.group_cfg.dma_setup_done|} = true;
                    return 0;
                }
            }
            """);

    [Fact]
    public Task A_mode_reassigned_between_the_tests_is_not_correlated()
        => VerifyWithReviewTypesAsync("""
            static class Secondary
            {
                static int SelectMode(Container c, VfioMode mode, VfioMode next)
                {
                    if (mode == VfioMode.Cdev && Vfio.CdevSyncIoas(ref c.cfg.cdev_cfg) < 0)
                        return -1;
                    mode = next;
                    if (mode == VfioMode.Group || mode == VfioMode.NoIommu)
                        {|VFIO001:c.cfg.group_cfg.dma_setup_done|} = true;
                    return 0;
                }
            }
            """);
}
