using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VfioSharp.Capabilities;
using VfioSharp.Uapi;

namespace VfioSharp.Runtime.Tests.Capabilities;

public sealed class CapabilityChainTests
{
    private static readonly int HeaderSize = Unsafe.SizeOf<vfio_info_cap_header>();

    [Fact]
    public void A_well_formed_chain_is_walked_in_order_with_each_capabilitys_bytes()
    {
        var reply = Reply(64, (16, 1, 32), (32, 2, 0));

        var seen = new List<(ushort, int, int)>();
        foreach (var capability in new CapabilityChain(reply, 16))
        {
            seen.Add((capability.Id, capability.Offset, capability.Bytes.Length));
        }

        Assert.Equal([(1, 16, 16), (2, 32, 32)], seen);
    }

    [Fact]
    public void A_chain_that_points_back_is_a_loop_and_is_reported_not_followed()
    {
        var reply = Reply(64, (16, 1, 32), (32, 2, 16));

        var exception = Assert.Throws<InvalidDataException>(() => Walk(reply, 16));

        Assert.Contains("loops", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_capability_that_points_to_itself_is_a_loop()
    {
        var reply = Reply(64, (16, 1, 16));

        Assert.Throws<InvalidDataException>(() => Walk(reply, 16));
    }

    [Fact]
    public void A_header_past_the_end_of_the_reply_is_reported()
    {
        var reply = Reply(64, (16, 1, 60));

        var exception = Assert.Throws<InvalidDataException>(() => Walk(reply, 16));

        Assert.Contains("runs past the end", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Offset_zero_means_no_capabilities()
    {
        Assert.Equal(0, Walk(Reply(64), 0));
    }

    [Fact]
    public void A_capability_shorter_than_its_record_is_refused_when_read()
    {
        var reply = Reply(24, (16, 1, 0));

        Assert.Throws<InvalidDataException>(() =>
        {
            Assert.True(new CapabilityChain(reply, 16).TryFind(1, out var capability));
            return capability.Read<vfio_region_info_cap_type>();
        });
    }

    private static int Walk(byte[] reply, uint first)
    {
        var count = 0;
        foreach (var capability in new CapabilityChain(reply, first))
        {
            count++;
        }

        return count;
    }

    private static byte[] Reply(int length, params (int Offset, ushort Id, uint Next)[] headers)
    {
        var reply = new byte[length];
        foreach (var (offset, id, next) in headers)
        {
            var header = new vfio_info_cap_header { id = id, version = 1, next = next };
            MemoryMarshal.Write(reply.AsSpan(offset, HeaderSize), in header);
        }

        return reply;
    }
}
