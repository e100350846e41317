using static VfioSharp.Analyzers.Tests.OverlappingMembers.OverlappingMemberVerifier;

namespace VfioSharp.Analyzers.Tests.OverlappingMembers;

/// <summary>The clobber is found whichever way the union is reached.</summary>
public sealed class AccessPathTests
{
    [Fact]
    public Task Through_a_field_chain_of_an_object()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static void Configure(Container c, uint id)
                {
                    c.cfg.cdev_cfg.ioas_id = id;
                    {|VFIO001:c.cfg.group_cfg.dma_setup_done|} = true;
                }
            }
            """);

    [Fact]
    public Task Through_a_field_of_this()
        => VerifyWithReviewTypesAsync("""
            sealed class Secondary
            {
                private ContainerConfig cfg;

                void Configure(uint id)
                {
                    cfg.cdev_cfg.ioas_id = id;
                    {|VFIO001:this.cfg.group_cfg.dma_setup_done|} = true;
                }
            }
            """);

    [Fact]
    public Task Through_a_ref_parameter()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static void Configure(ref ContainerConfig cfg, uint id)
                {
                    cfg.cdev_cfg.ioas_id = id;
                    {|VFIO001:cfg.group_cfg.dma_setup_done|} = true;
                }
            }
            """);

    [Fact]
    public Task Through_a_ref_parameter_holding_one_arm_and_a_ref_local_holding_the_other()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static void Configure(ref ContainerConfig cfg, uint id)
                {
                    ref CdevConfig cdev = ref cfg.cdev_cfg;
                    ref GroupConfig group = ref cfg.group_cfg;
                    cdev.ioas_id = id;
                    {|VFIO001:group.dma_setup_done|} = true;
                }
            }
            """);

    [Fact]
    public Task Through_the_this_of_a_struct()
        => VerifyWithReviewTypesAsync("""
            struct Holder
            {
                public ContainerConfig cfg;

                public void Configure(uint id)
                {
                    cfg.cdev_cfg.ioas_id = id;
                    {|VFIO001:cfg.group_cfg.dma_setup_done|} = true;
                }
            }
            """);

    [Fact]
    public Task Through_a_static_field()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static ContainerConfig shared;

                static void Configure(uint id)
                {
                    shared.cdev_cfg.ioas_id = id;
                    {|VFIO001:shared.group_cfg.dma_setup_done|} = true;
                }
            }
            """);

    [Fact]
    public Task Through_a_pointer_parameter()
        => VerifyWithReviewTypesAsync("""
            static unsafe class Code
            {
                static void Configure(ContainerConfig* p, uint id)
                {
                    p->cdev_cfg.ioas_id = id;
                    {|VFIO001:(*p).group_cfg.dma_setup_done|} = true;
                }
            }
            """);

    [Fact]
    public Task Through_a_pointer_local_to_a_local_whose_member_is_read_later()
        => VerifyWithReviewTypesAsync("""
            static unsafe class Code
            {
                static uint Configure(uint id)
                {
                    ContainerConfig cfg = default;
                    ContainerConfig* p = &cfg;
                    p->cdev_cfg.ioas_id = id;
                    {|VFIO001:p->group_cfg.dma_setup_done|} = true;
                    return cfg.cdev_cfg.ioas_id;
                }
            }
            """);

    [Fact]
    public Task Through_a_fixed_pointer_into_an_object()
        => VerifyWithReviewTypesAsync("""
            static unsafe class Code
            {
                static void Configure(Container c, uint id)
                {
                    fixed (ContainerConfig* p = &c.cfg)
                    {
                        p->cdev_cfg.ioas_id = id;
                        {|VFIO001:p->group_cfg.dma_setup_done|} = true;
                    }
                }
            }
            """);

    [Fact]
    public Task When_a_call_fills_the_cdev_arm_by_ref()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static void Configure(Container c)
                {
                    Vfio.CdevSyncIoas(ref c.cfg.cdev_cfg);
                    {|VFIO001:c.cfg.group_cfg.dma_setup_done|} = true;
                }
            }
            """);

    [Fact]
    public Task When_a_call_by_ref_is_the_store_that_clobbers()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static void Configure(Container c, uint id)
                {
                    c.cfg.cdev_cfg.ioas_id = id;
                    Vfio.InitGroup({|VFIO001:ref c.cfg.group_cfg|});
                }
            }
            """);

    [Fact]
    public Task When_a_call_by_pointer_is_the_store_that_clobbers()
        => VerifyWithReviewTypesAsync("""
            static unsafe class Code
            {
                static void Fill(GroupConfig* group) { }

                static uint Configure(uint id)
                {
                    ContainerConfig cfg = default;
                    cfg.cdev_cfg.ioas_id = id;
                    Fill({|VFIO001:&cfg.group_cfg|});
                    return cfg.cdev_cfg.ioas_id;
                }
            }
            """);

    [Fact]
    public Task When_the_graph_spills_the_by_ref_argument_because_a_later_one_branches()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static int Sync(ref CdevConfig cfg, int flags) => 0;

                static void Configure(Container c, bool fast)
                {
                    Sync(ref c.cfg.cdev_cfg, fast ? 1 : 2);
                    {|VFIO001:c.cfg.group_cfg.dma_setup_done|} = true;
                }
            }
            """);

    [Fact]
    public Task In_a_local_copy_that_is_returned()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static ContainerConfig Configure(uint id)
                {
                    var cfg = new ContainerConfig();
                    cfg.cdev_cfg.ioas_id = id;
                    {|VFIO001:cfg.group_cfg.dma_setup_done|} = true;
                    return cfg;
                }
            }
            """);

    [Fact]
    public Task In_a_local_passed_on_by_value_after_the_store()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static void Send(ContainerConfig cfg) { }

                static void Configure(uint id)
                {
                    ContainerConfig cfg = default;
                    cfg.cdev_cfg.ioas_id = id;
                    {|VFIO001:cfg.group_cfg.dma_setup_done|} = true;
                    Send(cfg);
                }
            }
            """);

    [Fact]
    public Task With_members_nested_several_structs_deep()
        => VerifyAsync("""
            using System.Runtime.InteropServices;

            struct Flags { public byte valid; public byte pad; public ushort tag; }
            struct ArmA { public Flags flags; public uint value; }
            struct ArmB { public ulong address; }

            [StructLayout(LayoutKind.Explicit)]
            struct Payload
            {
                [FieldOffset(0)] public ArmA a;
                [FieldOffset(0)] public ArmB b;
            }

            struct Message { public int header; public Payload payload; }
            sealed class Device { public Message message; }

            static class Code
            {
                static void Configure(Device d, ulong address)
                {
                    d.message.payload.b.address = address;
                    {|VFIO001:d.message.payload.a.flags.valid|} = 1;
                }
            }
            """);

    [Fact]
    public Task With_a_union_nested_in_an_arm_of_a_union()
        => VerifyAsync("""
            using System.Runtime.InteropServices;

            [StructLayout(LayoutKind.Explicit)]
            struct Inner
            {
                [FieldOffset(0)] public uint word;
                [FieldOffset(2)] public ushort high;
            }

            struct ArmA { public int kind; public Inner inner; }
            struct ArmB { public long a; public long b; }

            [StructLayout(LayoutKind.Explicit)]
            struct Outer
            {
                [FieldOffset(0)] public ArmA a;
                [FieldOffset(0)] public ArmB b;
            }

            static class Code
            {
                static uint Configure(ref Outer o)
                {
                    // high clobbers bytes 2-3 of word inside Inner; b.a then clobbers bytes 0-1 of it
                    // through the outer union. The read wants all of word: both stores are at fault.
                    o.a.inner.word = 0x12345678;
                    {|VFIO001:o.a.inner.high|} = 1;
                    {|VFIO001:o.b.a|} = 1;
                    return o.a.inner.word;
                }
            }
            """);

    [Fact]
    public Task Through_a_union_declared_as_a_nested_type()
        => VerifyAsync("""
            using System.Runtime.InteropServices;

            sealed class Device
            {
                [StructLayout(LayoutKind.Explicit)]
                internal struct Reply
                {
                    [FieldOffset(0)] public uint in_type;
                    [FieldOffset(0)] public uint out_type;
                }

                private Reply reply;

                public void Ask(uint type, uint answer)
                {
                    reply.in_type = type;
                    {|VFIO001:reply.out_type|} = answer;
                }
            }
            """);

    [Fact]
    public Task Inside_a_local_function_on_a_captured_local()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static ContainerConfig Configure(uint id)
                {
                    ContainerConfig cfg = default;
                    Setup();
                    return cfg;

                    void Setup()
                    {
                        cfg.cdev_cfg.ioas_id = id;
                        {|VFIO001:cfg.group_cfg.dma_setup_done|} = true;
                    }
                }
            }
            """);

    [Fact]
    public Task Inside_a_lambda()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static Action Configure(Container c, uint id)
                    => () =>
                    {
                        c.cfg.cdev_cfg.ioas_id = id;
                        {|VFIO001:c.cfg.group_cfg.dma_setup_done|} = true;
                    };
            }
            """);

    [Fact]
    public Task In_top_level_statements()
        => VerifyProgramAsync(ReviewTypes.Replace(
            "using System.Runtime.InteropServices;",
            "using System.Runtime.InteropServices;\n\nvar c = new Container();\nc.cfg.cdev_cfg.ioas_id = 5;\n{|VFIO001:c.cfg.group_cfg.dma_setup_done|} = true;\n"));

    [Fact]
    public Task Writing_the_first_arm_again_clobbers_the_second_when_the_union_outlives_the_method()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static void Configure(Container c, uint id)
                {
                    c.cfg.cdev_cfg.ioas_id = id;
                    c.cfg.group_cfg.dma_setup_done = true;
                    {|VFIO001:c.cfg.cdev_cfg.ioas_id|} = id;
                }
            }
            """);

    [Fact]
    public Task A_value_consumed_earlier_still_counts_when_the_whole_union_is_returned()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static ContainerConfig Configure(uint id)
                {
                    ContainerConfig cfg = default;
                    cfg.cdev_cfg.ioas_id = id;
                    Vfio.Use(cfg.cdev_cfg.ioas_id);
                    {|VFIO001:cfg.group_cfg.dma_setup_done|} = true;
                    return cfg;
                }
            }
            """);

    [Fact]
    public Task In_a_finally_after_a_by_ref_fill()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static void Configure(Container c)
                {
                    try
                    {
                        Vfio.CdevSyncIoas(ref c.cfg.cdev_cfg);
                    }
                    finally
                    {
                        {|VFIO001:c.cfg.group_cfg.dma_setup_done|} = true;
                    }
                }
            }
            """);

    // The pre-filter searches the body's text for the two arms' names; a name spelled with a
    // Unicode escape has to be found all the same.
    [Fact]
    public Task Through_a_member_name_spelled_with_a_unicode_escape()
        => VerifyWithReviewTypesAsync("""
            static class Code
            {
                static void Configure(Container c, uint id)
                {
                    c.cfg.cdev_cfg.\u0069oas_id = id;
                    {|VFIO001:c.cfg.group_cfg.dma_setup_done|} = true;
                }
            }
            """);
}
