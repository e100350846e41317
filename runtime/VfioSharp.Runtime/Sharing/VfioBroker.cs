using VfioSharp.Kernel;
using VfioSharp.Modes;
using VfioSharp.Pci;

namespace VfioSharp.Sharing;

/// <summary>
/// Serves a <see cref="BrokerOffer"/> over a Unix domain socket (runtime/SHARING.md): each worker's requests get
/// replies with the offered fds attached (SCM_RIGHTS). A malformed, hostile or stalled worker gets an error reply
/// or is dropped; the broker goes on serving the others, and closes any fd a worker sends it.
/// </summary>
public sealed class VfioBroker : IDisposable
{
    // EPROTO: the frame breaks the protocol.
    private static readonly Errno ProtocolError = new(71);

    private readonly UnixSocket _listener;
    private readonly BrokerOffer _offer;
    private readonly VfioBrokerOptions _options;
    private long _requestsServed;
    private long _requestsRefused;

    private VfioBroker(UnixSocket listener, string path, BrokerOffer offer, VfioBrokerOptions options)
    {
        _listener = listener;
        SocketPath = path;
        _offer = offer;
        _options = options;
    }

    /// <summary>The socket's path.</summary>
    public string SocketPath { get; }

    /// <summary>Requests answered with what they asked for.</summary>
    public long RequestsServed => Interlocked.Read(ref _requestsServed);

    /// <summary>Requests answered with an error frame, or connections dropped for a bad frame, a wrong peer or a timeout.</summary>
    public long RequestsRefused => Interlocked.Read(ref _requestsRefused);

    /// <summary>Creates the socket at <paramref name="socketPath"/> (replacing a stale one) with <see cref="VfioBrokerOptions.SocketMode"/>.</summary>
    /// <param name="socketPath">Where workers connect (at most 107 bytes).</param>
    /// <param name="offer">What to hand out.</param>
    /// <param name="options">Who to serve; null for the defaults.</param>
    /// <returns>The broker; call <see cref="Serve"/>.</returns>
    /// <exception cref="VfioException">The socket could not be created, bound or listened on.</exception>
    public static VfioBroker Listen(string socketPath, BrokerOffer offer, VfioBrokerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(socketPath);
        ArgumentNullException.ThrowIfNull(offer);
        options ??= new VfioBrokerOptions();
        return new VfioBroker(UnixSocket.Listen(socketPath, options.SocketMode), socketPath, offer, options);
    }

    /// <summary>Accepts workers until <paramref name="cancellationToken"/> is cancelled; each connection is served on its own thread.</summary>
    /// <param name="cancellationToken">Stops accepting (within 100 ms); connections in progress finish on their own.</param>
    public void Serve(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (!_listener.WaitReadable(100))
            {
                continue;
            }

            UnixSocket connection;
            try
            {
                connection = _listener.Accept();
            }
            catch (VfioException)
            {
                // ECONNABORTED, EMFILE: this worker is lost, the others are not.
                Interlocked.Increment(ref _requestsRefused);
                continue;
            }

            var thread = new Thread(() => ServeConnection(connection)) { IsBackground = true, Name = "VfioBroker connection" };
            thread.Start();
        }
    }

    /// <summary>Closes the listening socket and removes its file.</summary>
    public void Dispose()
    {
        _listener.Dispose();
        try
        {
            File.Delete(SocketPath);
        }
        catch (IOException)
        {
            // Already gone or replaced: nothing of ours is left to remove.
        }
    }

    private void ServeConnection(UnixSocket connection)
    {
        using (connection)
        {
            try
            {
                connection.SetTimeouts(_options.Timeout);
                // Checked at connect, answered after the first request is read: closing an AF_UNIX socket with a
                // request still unread resets the connection, and the worker would see ECONNRESET instead of why.
                string? refusal = null;
                if (_options.AllowedUserIds is { } allowed)
                {
                    var (pid, uid, _) = connection.PeerCredentials();
                    if (!allowed.Contains(uid))
                    {
                        refusal = $"uid {uid} (pid {pid}) is not served";
                    }
                }

                Span<byte> packet = stackalloc byte[SharingFrame.Size + 1];
                var fds = new List<int>();
                while (true)
                {
                    var received = connection.Receive(packet, fds);

                    // A request carries no fds: whatever a worker sends is closed at once, never kept.
                    var sentFds = fds.Count;
                    UnixSocket.CloseAll(fds);
                    if (received == 0)
                    {
                        return;
                    }

                    if (refusal is not null)
                    {
                        Interlocked.Increment(ref _requestsRefused);
                        _ = Reply(connection, Failure(Errno.EPERM, refusal), []);
                        return;
                    }

                    if (received < 0)
                    {
                        Interlocked.Increment(ref _requestsRefused);
                        if (received == -Errno.EMSGSIZE.Value)
                        {
                            // Truncated data or control: a frame too long, or more fds than fit (those that arrived are closed
                            // above, the kernel drops the rest).
                            _ = Reply(connection, Failure(Errno.EMSGSIZE, $"over {SharingFrame.Size} bytes, or more fds than a frame carries (closed)"), []);
                        }

                        // EAGAIN: the worker stalled past the timeout; anything else: the connection is broken.
                        return;
                    }

                    if (!SharingFrame.TryRead(packet[..(int)received], out var request, out var problem))
                    {
                        Interlocked.Increment(ref _requestsRefused);
                        _ = Reply(connection, Failure(ProtocolError, $"malformed request: {problem}"), []);
                        continue;
                    }

                    if (sentFds > 0 || request.FdCount != 0)
                    {
                        Interlocked.Increment(ref _requestsRefused);
                        _ = Reply(connection, Failure(ProtocolError, $"a request carries no fds ({Math.Max(sentFds, request.FdCount)} sent; closed)"), []);
                        continue;
                    }

                    if (Reply(connection, Answer(request, out var fd), fd >= 0 ? [fd] : []) < 0)
                    {
                        return;
                    }
                }
            }
            catch (VfioException)
            {
                // SO_PEERCRED or a timeout could not be set: drop this worker only.
                Interlocked.Increment(ref _requestsRefused);
            }
        }
    }

    private SharingFrame Answer(SharingFrame request, out int fd)
    {
        fd = -1;
        switch (request.Kind)
        {
            case SharingMessageKind.Hello:
                Interlocked.Increment(ref _requestsServed);
                return new SharingFrame(SharingMessageKind.HelloReply, 0, _offer.Mode, 0, 0, "VfioSharp broker");
            case SharingMessageKind.GetDmaSpace:
                Interlocked.Increment(ref _requestsServed);
                fd = _offer.DmaSpaceFd;
                return new SharingFrame(SharingMessageKind.DmaSpaceReply, 0, _offer.Mode, _offer.IoasId ?? 0, 1, _offer.IoasId is null ? string.Empty : "ioas");
            case SharingMessageKind.GetDevice:
                if (!PciAddress.TryParse(request.Text, out var address))
                {
                    Interlocked.Increment(ref _requestsRefused);
                    return Failure(Errno.EINVAL, "the request's text is not a PCI address (DDDD:BB:DD.F)");
                }

                if (!_offer.Devices.TryGetValue(address, out fd))
                {
                    fd = -1;
                    Interlocked.Increment(ref _requestsRefused);
                    return Failure(Errno.ENOENT, $"device {address} is not offered by this broker");
                }

                Interlocked.Increment(ref _requestsServed);
                return new SharingFrame(SharingMessageKind.DeviceReply, 0, _offer.Mode, 0, 1, address.ToString());
            default:
                Interlocked.Increment(ref _requestsRefused);
                return Failure(Errno.EOPNOTSUPP, $"unknown request kind {(ushort)request.Kind}");
        }
    }

    private SharingFrame Failure(Errno errno, string why) => new(SharingMessageKind.Error, errno.Value, _offer.Mode, 0, 0, why);

    private static int Reply(UnixSocket connection, SharingFrame frame, ReadOnlySpan<int> fds)
    {
        Span<byte> bytes = stackalloc byte[SharingFrame.Size];
        frame.Write(bytes);
        return connection.Send(bytes, fds);
    }
}
