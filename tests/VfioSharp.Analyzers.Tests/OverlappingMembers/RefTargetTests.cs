using static VfioSharp.Analyzers.Tests.OverlappingMembers.OverlappingMemberVerifier;

namespace VfioSharp.Analyzers.Tests.OverlappingMembers;

/// <summary>
/// A ref local bound to storage the analysis did not see being made — an array element, what a
/// ref-returning method, property or indexer returns — refers to storage of its own that outlives
/// the method, as DPDK's <c>struct container *cfg = vfio_container_create();</c> does in C.
/// </summary>
public sealed class RefTargetTests
{
    private const string Containers = """
        static class Containers
        {
            public static readonly ContainerConfig[] all = new ContainerConfig[4];

            public static ref ContainerConfig Create() => ref all[0];

            public static ref ContainerConfig Default => ref all[0];
        }

        """;

    [Fact]
    public Task Through_a_ref_local_bound_to_what_a_ref_returning_method_returns()
        => VerifyWithReviewTypesAsync(Containers + """
            static class Secondary
            {
                static int SelectMode(VfioMode mode)
                {
                    ref ContainerConfig cfg = ref Containers.Create();
                    ref GroupConfig group_cfg = ref cfg.group_cfg;
                    if (mode == VfioMode.Cdev && Vfio.CdevSyncIoas(ref cfg.cdev_cfg) < 0)
                        return -1;
                    {|VFIO001:group_cfg.dma_setup_done|} = true;
                    return 0;
                }
            }
            """);

    [Fact]
    public Task Through_a_ref_local_bound_to_an_array_element()
        => VerifyWithReviewTypesAsync(Containers + """
            static class Secondary
            {
                static void Configure(int i, uint id)
                {
                    ref ContainerConfig cfg = ref Containers.all[i];
                    cfg.cdev_cfg.ioas_id = id;
                    {|VFIO001:cfg.group_cfg.dma_setup_done|} = true;
                }
            }
            """);

    [Fact]
    public Task Through_a_ref_local_bound_to_a_ref_returning_property()
        => VerifyWithReviewTypesAsync(Containers + """
            static class Secondary
            {
                static void Configure(uint id)
                {
                    ref ContainerConfig cfg = ref Containers.Default;
                    cfg.cdev_cfg.ioas_id = id;
                    {|VFIO001:cfg.group_cfg.dma_setup_done|} = true;
                }
            }
            """);

    [Fact]
    public Task The_mode_conditional_store_through_a_ref_returned_container_is_clean()
        => VerifyWithReviewTypesAsync(Containers + """
            static class Secondary
            {
                static int SelectMode(VfioMode mode)
                {
                    ref ContainerConfig cfg = ref Containers.Create();
                    ref GroupConfig group_cfg = ref cfg.group_cfg;
                    if (mode == VfioMode.Cdev && Vfio.CdevSyncIoas(ref cfg.cdev_cfg) < 0)
                        return -1;
                    if (mode == VfioMode.Group || mode == VfioMode.NoIommu)
                        group_cfg.dma_setup_done = true;
                    return 0;
                }
            }
            """);

    [Fact]
    public Task Two_ref_locals_are_two_instances()
        => VerifyWithReviewTypesAsync(Containers + """
            static class Secondary
            {
                static void Configure(uint id)
                {
                    ref ContainerConfig first = ref Containers.all[0];
                    ref ContainerConfig second = ref Containers.all[1];
                    first.cdev_cfg.ioas_id = id;
                    second.group_cfg.dma_setup_done = true;
                }
            }
            """);

    [Fact]
    public Task A_ref_local_bound_again_refers_to_other_storage()
        => VerifyWithReviewTypesAsync(Containers + """
            static class Secondary
            {
                static void Configure(uint id)
                {
                    ref ContainerConfig cfg = ref Containers.all[0];
                    cfg.cdev_cfg.ioas_id = id;
                    cfg = ref Containers.all[1];
                    cfg.group_cfg.dma_setup_done = true;
                }
            }
            """);

    [Fact]
    public Task A_ref_local_over_a_conditional_stays_untracked()
        => VerifyWithReviewTypesAsync(Containers + """
            static class Secondary
            {
                static void Configure(bool first, uint id)
                {
                    ref ContainerConfig cfg = ref first ? ref Containers.all[0] : ref Containers.all[1];
                    cfg.cdev_cfg.ioas_id = id;
                    cfg.group_cfg.dma_setup_done = true;
                }
            }
            """);
}
