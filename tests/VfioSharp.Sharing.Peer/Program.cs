using System.Net.Sockets;
using VfioSharp.Kernel;
using VfioSharp.Modes;
using VfioSharp.Pci;
using VfioSharp.Sharing;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

// The broker side of the sharing tests, in its own process. Real fds stand in for VFIO's (the simulated kernel's
// can't cross processes): eventfds whose counters say which is which, so the worker can check what arrived.
//   broker <socket> <mode>   serve an offer until standard input closes
//   vanish <socket>          accept one worker, read its request, and exit without replying
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
    File.Delete(vanishPath);
    using var listener = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
    listener.Bind(new UnixDomainSocketEndPoint(vanishPath));
    listener.Listen(1);
    Console.WriteLine("ready");
    Console.Out.Flush();
    using var worker = listener.Accept();
    var buffer = new byte[256];
    _ = worker.Receive(buffer); // hello
    var hello = new byte[96];
    BitConverter.TryWriteBytes(hello.AsSpan(0), 0x48534656u);
    BitConverter.TryWriteBytes(hello.AsSpan(4), (ushort)1);
    BitConverter.TryWriteBytes(hello.AsSpan(6), (ushort)0x81);
    BitConverter.TryWriteBytes(hello.AsSpan(12), (uint)VfioMode.Cdev);
    _ = worker.Send(hello);
    _ = worker.Receive(buffer); // the worker's next request: the broker dies before answering it
    Environment.Exit(0);
}

Console.Error.WriteLine("usage: broker <socket> <mode> | vanish <socket>");
return 2;

/// <summary>What the stand-in fds hold, so the worker checks that the right fd arrived.</summary>
internal static class StandIns
{
    public const uint DmaSpaceCounter = 0x5ace;
    public const uint DeviceCounter = 0xde51ce;
    public const uint IoasId = 0x102;
    public const string Device = "0000:00:01.0";
}
