using System.Buffers.Binary;
using System.IO.Pipes;
using System.Net.Sockets;
using VfioSharp.Kernel;
using VfioSharp.Modes;
using VfioSharp.Sharing;
using VfioSharp.Sharing.Peer;

namespace VfioSharp.Runtime.Tests.Sharing;

/// <summary>
/// A wrong number of fds on either side, between two real processes (runtime/SHARING.md, "Errors"): fds a worker
/// sends the broker (.NET sockets can't, <see cref="ScmRightsSender"/> does) are refused and closed by the broker at
/// once, which goes on serving; a reply carrying another number of fds than it announces is an error on the worker,
/// which closes every fd it got.
/// </summary>
[Collection(nameof(ProcessFdCount))]
public sealed class FdCountTests
{
    private const int EProto = 71;
    private const int EMsgSize = 90;

    [Theory]
    [InlineData("extra-fd", "the reply announced 1 and 2 arrived (closed)")]
    [InlineData("missing-fd", "the reply announced 1 and 0 arrived (closed)")]
    [InlineData("announced-two", "the reply announced 2 and 2 arrived (closed)")]
    [InlineData("fds-with-error", "sent 2 fds with the refusal (closed)")]
    [InlineData("too-many-fds", "carried more fds than fit (truncated)")]
    public void A_reply_with_another_number_of_fds_than_it_announces_is_an_error_and_the_worker_closes_them(string miscount, string reason)
    {
        using var broker = BrokerPeer.Start("miscount", miscount);
        var before = ProcessFdCount.Now();
        using (var worker = VfioWorker.Connect(broker.SocketPath))
        {
            var error = Assert.Throws<VfioException>(() => worker.ReceiveDmaSpace());
            Assert.True(error.Message.Contains(reason, StringComparison.Ordinal), error.Message);
            Assert.Contains($"asking the broker at {broker.SocketPath} (GetDmaSpace)", error.Message, StringComparison.Ordinal);

            // Only the connection is open: nothing that came with the bad reply was kept.
            Assert.Equal(before + 1, ProcessFdCount.Now());
        }

        Assert.Equal(0, broker.WaitForExit());
        Assert.Equal(before, ProcessFdCount.Now());
    }

    [Fact]
    public void A_hello_reply_carrying_an_fd_fails_the_connect_and_the_fd_is_closed()
    {
        using var broker = BrokerPeer.Start("miscount", "fd-with-hello");
        var before = ProcessFdCount.Now();
        var error = Assert.Throws<VfioException>(() => VfioWorker.Connect(broker.SocketPath));
        Assert.True(error.Message.Contains("a HelloReply carries 0 fd(s); the reply announced 0 and 1 arrived (closed)", StringComparison.Ordinal), error.Message);
        Assert.Equal(0, broker.WaitForExit());
        Assert.Equal(before, ProcessFdCount.Now());
    }

    [Fact]
    public void Fds_a_worker_sends_are_refused_and_closed_by_the_broker_which_serves_the_next_worker()
    {
        using var broker = BrokerPeer.Start("broker", nameof(VfioMode.Cdev));
        using (VfioWorker.Connect(broker.SocketPath))
        {
        }

        var brokerFds = broker.WaitForFdCount(atMost: null);

        // The stray fds are a pipe's write end: its inode names every copy, so the broker's fd table shows whether it
        // kept one. The broker closes what it received before it replies, so the check needs no waiting.
        using var pipe = new AnonymousPipeServerStream(PipeDirection.Out, HandleInheritability.None);
        var writeEnd = (int)pipe.SafePipeHandle.DangerousGetHandle();
        var pipeInode = new FileInfo($"/proc/self/fd/{writeEnd}").LinkTarget ?? string.Empty;
        Assert.StartsWith("pipe:[", pipeInode, StringComparison.Ordinal);
        var strays = new (string Name, byte[] Packet, int Fds, int Status, string Reply)[]
        {
            ("a hello with 3 fds", Frame(1, fdCount: 0), 3, EProto, "a request carries no fds (3 sent; closed)"),
            ("a request for the DMA space announcing and sending 1 fd", Frame(2, fdCount: 1), 1, EProto, "a request carries no fds (1 sent; closed)"),
            ("a malformed frame with 2 fds", Frame(1, fdCount: 0)[..10], 2, EProto, "malformed request: a frame of 10 bytes"),
            ("a hello with 20 fds, more than a frame may carry", Frame(1, fdCount: 0), 20, EMsgSize, "more fds than a frame carries"),
        };

        foreach (var (name, packet, count, status, reply) in strays)
        {
            using var client = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified) { ReceiveTimeout = 10_000 };
            client.Connect(new UnixDomainSocketEndPoint(broker.SocketPath));
            Assert.Equal(packet.Length, ScmRightsSender.Send(client, packet, Enumerable.Repeat(writeEnd, count).ToArray()));
            var answer = new byte[200];
            Assert.True(client.Receive(answer) == 96, name);
            Assert.True(BinaryPrimitives.ReadInt32LittleEndian(answer.AsSpan(8)) == status, $"{name}: status {BinaryPrimitives.ReadInt32LittleEndian(answer.AsSpan(8))}");
            var text = System.Text.Encoding.UTF8.GetString(answer, 24, BinaryPrimitives.ReadUInt16LittleEndian(answer.AsSpan(22)));
            Assert.True(text.Contains(reply, StringComparison.Ordinal), $"{name}: '{text}' lacks '{reply}'");
            Assert.DoesNotContain(pipeInode, broker.OpenFdTargets());
        }

        // The broker still serves a well-behaved worker, the id intact.
        using (var worker = VfioWorker.Connect(broker.SocketPath))
        {
            var space = worker.ReceiveDmaSpace();
            Assert.Equal(0x102u, space.IoasId);
            Assert.Equal(0, LinuxKernel.Instance.Close(space.Fd));
        }

        var after = broker.WaitForFdCount(brokerFds);
        Assert.True(after <= brokerFds, $"the broker had {brokerFds} fds before the stray fds and {after} after");
        Assert.Contains("served 3 refused 4", broker.Stats(), StringComparison.Ordinal);
    }

    private static byte[] Frame(ushort kind, ushort fdCount)
    {
        var frame = new byte[96];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, 0x48534656);
        BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(6), kind);
        BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(20), fdCount);
        return frame;
    }
}
