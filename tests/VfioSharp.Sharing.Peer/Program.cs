using System.Net.Sockets;
using VfioSharp.Kernel;
using VfioSharp.Modes;
using VfioSharp.Pci;
using VfioSharp.Sharing;
using VfioSharp.Sharing.Peer;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

// The broker side of the sharing tests, in its own process. Real fds stand in for VFIO's (the simulated kernel's
// can't cross processes): eventfds whose counters say which is which, so the worker can check what arrived.
//   broker <socket> <mode>   serve an offer until standard input closes
//   vanish <socket>          accept one worker, read its request, and exit without replying
//   miscount <socket> <case> accept one worker and answer with another number of fds than the reply announces
//                            (extra-fd, missing-fd, announced-two, fd-with-hello, fds-with-error, too-many-fds)
if (args is ["broker", var path, var modeName])
{
    var mode = Enum.Parse<VfioMode>(modeName);
    var kernel = LinuxKernel.Instance;
    var dmaSpace = kernel.EventFd(StandIns.DmaSpaceCounter, EventFdFlags.CloseOnExec);
    var device = kernel.EventFd(StandIns.DeviceCounter, EventFdFlags.CloseOnExec);
    var offer = new BrokerOffer(mode, dmaSpace, mode == VfioMode.Cdev ? StandIns.IoasId : null);
    offer.AddDevice(PciAddress.Parse(StandIns.Device), device);
    using var broker = VfioBroker.Listen(path, offer);
    using var stop = new CancellationTokenSource();
    var serving = new Thread(() => broker.Serve(stop.Token));
    serving.Start();
    Console.WriteLine("ready");
    Console.Out.Flush();
    while (Console.ReadLine() is { } line)
    {
        // "stats": what the test asks between its clients.
        Console.WriteLine($"served {broker.RequestsServed} refused {broker.RequestsRefused}");
        Console.Out.Flush();
    }

    stop.Cancel();
    serving.Join();
    return 0;
}

if (args is ["vanish", var vanishPath])
{
    using var connection = OneWorker.Accept(vanishPath);
    var worker = connection.Worker;
    var buffer = new byte[256];
    _ = worker.Receive(buffer); // hello
    _ = worker.Send(StandIns.Frame(SharingMessageKind.HelloReply, status: 0, fdCount: 0));
    _ = worker.Receive(buffer); // the worker's next request: the broker dies before answering it
    Environment.Exit(0);
}

if (args is ["miscount", var miscountPath, var miscount])
{
    // (reply kind, fd count announced, fds sent) for the worker's second request; fd-with-hello already spoils the hello.
    var (kind, announced, sent) = miscount switch
    {
        "extra-fd" => (SharingMessageKind.DmaSpaceReply, 1, 2),
        "missing-fd" => (SharingMessageKind.DmaSpaceReply, 1, 0),
        "announced-two" => (SharingMessageKind.DmaSpaceReply, 2, 2),
        "fds-with-error" => (SharingMessageKind.Error, 0, 2),
        "too-many-fds" => (SharingMessageKind.DmaSpaceReply, 1, 20),
        "fd-with-hello" => (SharingMessageKind.HelloReply, 0, 1),
        _ => throw new ArgumentException($"unknown case {miscount}", nameof(args)),
    };
    var kernel = LinuxKernel.Instance;
    var fds = Enumerable.Range(0, sent).Select(_ => kernel.EventFd(StandIns.DmaSpaceCounter, EventFdFlags.CloseOnExec)).ToArray();
    using var connection = OneWorker.Accept(miscountPath);
    var worker = connection.Worker;
    var buffer = new byte[256];
    _ = worker.Receive(buffer); // hello
    if (kind == SharingMessageKind.HelloReply)
    {
        _ = ScmRightsSender.Send(worker, StandIns.Frame(kind, status: 0, fdCount: announced), fds);
    }
    else
    {
        _ = worker.Send(StandIns.Frame(SharingMessageKind.HelloReply, status: 0, fdCount: 0));
        _ = worker.Receive(buffer); // GetDmaSpace
        var status = kind == SharingMessageKind.Error ? 1 /* EPERM */ : 0;
        _ = ScmRightsSender.Send(worker, StandIns.Frame(kind, status, announced), fds);
    }

    // Until the worker hangs up, so the test counts its fds with the reply handled, not with the connection reset.
    _ = worker.Receive(buffer);
    foreach (var fd in fds)
    {
        _ = kernel.Close(fd);
    }

    return 0;
}

Console.Error.WriteLine("usage: broker <socket> <mode> | vanish <socket> | miscount <socket> <case>");
return 2;

/// <summary>What the stand-in fds hold, so the worker checks that the right fd arrived.</summary>
internal static class StandIns
{
    public const uint DmaSpaceCounter = 0x5ace;
    public const uint DeviceCounter = 0xde51ce;
    public const uint IoasId = 0x102;
    public const string Device = "0000:00:01.0";

    /// <summary>A version 1 frame (runtime/SHARING.md) in cdev mode with IOAS id 0x102 and the fd count given.</summary>
    public static byte[] Frame(SharingMessageKind kind, int status, int fdCount)
    {
        var frame = new byte[96];
        BitConverter.TryWriteBytes(frame.AsSpan(0), 0x48534656u);
        BitConverter.TryWriteBytes(frame.AsSpan(4), (ushort)1);
        BitConverter.TryWriteBytes(frame.AsSpan(6), (ushort)kind);
        BitConverter.TryWriteBytes(frame.AsSpan(8), status);
        BitConverter.TryWriteBytes(frame.AsSpan(12), (uint)VfioMode.Cdev);
        BitConverter.TryWriteBytes(frame.AsSpan(16), IoasId);
        BitConverter.TryWriteBytes(frame.AsSpan(20), (ushort)fdCount);
        return frame;
    }
}
