using System.Net.Sockets;

namespace VfioSharp.Sharing.Peer;

/// <summary>
/// The misbehaving brokers' common start: listens on a socket path (replacing a stale socket file), says "ready"
/// to the test, and accepts the one worker the test then starts. Disposing closes both sockets.
/// </summary>
internal sealed class OneWorker : IDisposable
{
    private readonly Socket _listener;

    private OneWorker(Socket listener, Socket worker)
    {
        _listener = listener;
        Worker = worker;
    }

    /// <summary>The accepted worker's connection.</summary>
    public Socket Worker { get; }

    public static OneWorker Accept(string path)
    {
        File.Delete(path);
        var listener = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(1);
            Console.WriteLine("ready");
            Console.Out.Flush();
            return new OneWorker(listener, listener.Accept());
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Worker.Dispose();
        _listener.Dispose();
    }
}
