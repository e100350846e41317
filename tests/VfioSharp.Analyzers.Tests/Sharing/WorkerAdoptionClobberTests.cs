using static VfioSharp.Analyzers.Tests.OverlappingMembers.OverlappingMemberVerifier;

namespace VfioSharp.Analyzers.Tests.Sharing;

/// <summary>
/// The review's Patch 18 store reintroduced on purpose in a worker's adoption record shaped like the one a
/// VfioSharp worker would keep (runtime/VfioSharp.Runtime/Sharing): the IOAS id received from the broker and the
/// group arm's "broker did the DMA setup" flag share bytes through a union, and the unconditional flag store
/// after receiving the id is what VFIO001 must flag; the mode-conditional store is clean.
/// </summary>
public sealed class WorkerAdoptionClobberTests
{
    private const string AdoptionRecord = """
        using System.Runtime.InteropServices;

        enum SharedMode { Group, NoIommuGroup, Cdev, NoIommuCdev }

        struct GroupArm { public bool dma_setup_done; public int container_fd; }

        struct CdevArm { public uint ioas_id; public int iommufd; }

        [StructLayout(LayoutKind.Explicit)]
        struct AdoptedSpace
        {
            [FieldOffset(0)] public GroupArm group;
            [FieldOffset(0)] public CdevArm cdev;
        }

        sealed class WorkerState
        {
            public AdoptedSpace space;
            public SharedMode mode;
        }

        static class BrokerReply
        {
            public static int ReceiveIoas(ref CdevArm arm) { arm.ioas_id = 0x102; arm.iommufd = 3; return 0; }
        }

        """;

    [Fact]
    public Task The_reintroduced_secondary_store_is_flagged()
        => VerifyAsync(AdoptionRecord + """
            static class Worker
            {
                static int Adopt(WorkerState w)
                {
                    if (w.mode == SharedMode.Cdev && BrokerReply.ReceiveIoas(ref w.space.cdev) < 0)
                        return -1;
                    /* the broker did the DMA setup of the default container */
                    {|VFIO001:w.space.group.dma_setup_done|} = true;
                    return (int)w.space.cdev.ioas_id;
                }
            }
            """);

    [Fact]
    public Task The_mode_conditional_store_is_clean()
        => VerifyAsync(AdoptionRecord + """
            static class Worker
            {
                static int Adopt(WorkerState w)
                {
                    if (w.mode == SharedMode.Cdev && BrokerReply.ReceiveIoas(ref w.space.cdev) < 0)
                        return -1;
                    if (w.mode is SharedMode.Group or SharedMode.NoIommuGroup)
                        w.space.group.dma_setup_done = true;
                    return (int)w.space.cdev.ioas_id;
                }
            }
            """);
}
