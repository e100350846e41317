using static VfioSharp.Analyzers.Tests.OverlappingMembers.OverlappingMemberVerifier;

namespace VfioSharp.Analyzers.Tests.OverlappingMembers;

/// <summary>
/// A mode that a call returns through <c>out</c> (DPDK's <c>vfio_sync_mode(cfg, &amp;mode)</c>) is a
/// mode variable like a parameter: an out parameter is scoped, so the callee writes it while it runs
/// and can't change it afterwards.
/// </summary>
public sealed class OutArgumentModeTests
{
    private const string Sync = """
        static class Sync
        {
            public static int Mode(out VfioMode mode) { mode = VfioMode.Cdev; return 0; }
        }

        """;

    [Fact]
    public Task The_unconditional_store_after_an_out_mode_is_flagged()
        => VerifyWithReviewTypesAsync(Sync + """
            static class Secondary
            {
                static int SelectMode(Container c)
                {
                    if (Sync.Mode(out var mode) < 0)
                        return -1;
                    if (mode == VfioMode.Cdev && Vfio.CdevSyncIoas(ref c.cfg.cdev_cfg) < 0)
                        return -1;
                    {|VFIO001:c.cfg.group_cfg.dma_setup_done|} = true;
                    return 0;
                }
            }
            """);

    [Fact]
    public Task The_store_conditional_on_an_out_mode_is_clean()
        => VerifyWithReviewTypesAsync(Sync + """
            static class Secondary
            {
                static int SelectMode(Container c)
                {
                    var mode = VfioMode.None;
                    if (Sync.Mode(out mode) < 0)
                        return -1;
                    if (mode == VfioMode.Cdev && Vfio.CdevSyncIoas(ref c.cfg.cdev_cfg) < 0)
                        return -1;
                    if (mode == VfioMode.Group || mode == VfioMode.NoIommu)
                        c.cfg.group_cfg.dma_setup_done = true;
                    return 0;
                }
            }
            """);

    [Fact]
    public Task A_mode_written_again_by_an_out_argument_between_the_tests_is_not_correlated()
        => VerifyWithReviewTypesAsync(Sync + """
            static class Secondary
            {
                static int SelectMode(Container c, VfioMode mode)
                {
                    if (mode == VfioMode.Cdev && Vfio.CdevSyncIoas(ref c.cfg.cdev_cfg) < 0)
                        return -1;
                    _ = Sync.Mode(out mode);
                    if (mode == VfioMode.Group)
                        {|VFIO001:c.cfg.group_cfg.dma_setup_done|} = true;
                    return 0;
                }
            }
            """);
}
