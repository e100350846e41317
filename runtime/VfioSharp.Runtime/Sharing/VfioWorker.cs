using VfioSharp.Containers;
using VfioSharp.Devices;
using VfioSharp.Kernel;
using VfioSharp.Modes;
using VfioSharp.Pci;

namespace VfioSharp.Sharing;

/// <summary>
/// A worker's connection to a <see cref="VfioBroker"/> (runtime/SHARING.md): it receives the broker's DMA space
/// and device fds and adopts them (<see cref="VfioAdoption"/>), so the worker's runtime objects start where the
/// broker's setup left them. Every protocol failure is a <see cref="VfioException"/> naming the broker's socket,
/// the request and what went wrong; a received fd that the reply did not announce is closed.
/// </summary>
public sealed class VfioWorker : IDisposable
{
    private readonly UnixSocket _socket;
    private readonly Lock _gate = new();

    private VfioWorker(UnixSocket socket, string path, VfioMode mode)
    {
        _socket = socket;
        SocketPath = path;
        BrokerMode = mode;
    }

    /// <summary>The broker's socket.</summary>
    public string SocketPath { get; }

    /// <summary>The broker's mode, from its hello: the worker's runtime must be opened in this mode.</summary>
    public VfioMode BrokerMode { get; }

    /// <summary>Connects and says hello (protocol version check).</summary>
    /// <param name="socketPath">The broker's socket.</param>
    /// <param name="timeout">How long to wait for each reply (default 5 s): a broker that hangs is an error, not a hang.</param>
    /// <returns>The connection.</returns>
    /// <exception cref="VfioException">The broker is not there, refused, or does not speak this protocol version.</exception>
    public static VfioWorker Connect(string socketPath, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(socketPath);
        var socket = UnixSocket.Connect(socketPath, timeout ?? TimeSpan.FromSeconds(5));
        try
        {
            var reply = Exchange(socket, socketPath, new SharingFrame(SharingMessageKind.Hello, 0, VfioMode.None, 0, 0, string.Empty), SharingMessageKind.HelloReply, out _);
            return new VfioWorker(socket, socketPath, reply.Mode);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Asks for the DMA space; the caller owns the received fd.</summary>
    /// <returns>The fd, mode and IOAS id as the broker sent them.</returns>
    /// <exception cref="VfioException">The broker refused, vanished, or sent a malformed reply.</exception>
    public SharedDmaSpace ReceiveDmaSpace()
    {
        var reply = Request(new SharingFrame(SharingMessageKind.GetDmaSpace, 0, BrokerMode, 0, 0, string.Empty), SharingMessageKind.DmaSpaceReply, out var fd);
        return new SharedDmaSpace(reply.Mode, fd, reply.Mode == VfioMode.Cdev ? reply.IoasId : null);
    }

    /// <summary>Asks for a device's fd; the caller owns it.</summary>
    /// <param name="address">The device.</param>
    /// <returns>The device fd, close-on-exec.</returns>
    /// <exception cref="VfioException">The broker does not offer the device, refused, vanished, or sent a malformed reply.</exception>
    public int ReceiveDevice(PciAddress address)
    {
        var reply = Request(new SharingFrame(SharingMessageKind.GetDevice, 0, BrokerMode, 0, 0, address.ToString()), SharingMessageKind.DeviceReply, out var fd);
        if (reply.Text != address.ToString())
        {
            UnixSocket.CloseAll([fd]);
            throw new VfioException($"asking the broker at {SocketPath} for device {address}", advice: $"the reply names device '{reply.Text}'");
        }

        return fd;
    }

    /// <summary>Receives the DMA space and adopts it into <paramref name="vfio"/>: a container in group modes, the broker's IOAS in cdev modes, never set up again.</summary>
    /// <param name="vfio">The worker's runtime, on <see cref="LinuxKernel"/>, in <see cref="BrokerMode"/>.</param>
    /// <returns>The adopted container, Ready.</returns>
    /// <exception cref="VfioException">A protocol failure, a mode mismatch, or an fd that fails validation.</exception>
    public VfioContainer AdoptDmaSpace(Vfio vfio)
    {
        ArgumentNullException.ThrowIfNull(vfio);
        if (vfio.Mode != BrokerMode)
        {
            throw new VfioException($"adopting the DMA space of the broker at {SocketPath}", advice: $"the broker is in {BrokerMode} mode and this runtime in {vfio.Mode}: open it with VfioOptions.Mode = {BrokerMode}");
        }

        var space = ReceiveDmaSpace();
        return space.Mode is VfioMode.Group or VfioMode.NoIommuGroup
            ? VfioAdoption.AdoptContainer(vfio, space.Fd)
            : VfioAdoption.AdoptIoas(vfio, space.Fd, space.IoasId);
    }

    /// <summary>Receives a device's fd and adopts it, attached to <paramref name="container"/>.</summary>
    /// <param name="vfio">The worker's runtime.</param>
    /// <param name="address">The device.</param>
    /// <param name="container">The container <see cref="AdoptDmaSpace"/> returned.</param>
    /// <returns>The device, Attached.</returns>
    /// <exception cref="VfioException">A protocol failure or an fd that fails validation.</exception>
    public VfioDevice AdoptDevice(Vfio vfio, PciAddress address, VfioContainer container)
        => VfioAdoption.AdoptDevice(vfio, address, ReceiveDevice(address), container);

    /// <summary>Closes the connection (the broker keeps serving others).</summary>
    public void Dispose() => _socket.Dispose();

    private SharingFrame Request(SharingFrame request, SharingMessageKind expected, out int fd)
    {
        lock (_gate)
        {
            return Exchange(_socket, SocketPath, request, expected, out fd);
        }
    }

    private static SharingFrame Exchange(UnixSocket socket, string path, SharingFrame request, SharingMessageKind expected, out int fd)
    {
        fd = -1;
        var step = $"asking the broker at {path} ({request.Kind}{(request.Text.Length > 0 ? " " + request.Text : string.Empty)})";
        Span<byte> packet = stackalloc byte[SharingFrame.Size + 1];
        request.Write(packet);
        var sent = socket.Send(packet[..SharingFrame.Size], []);
        var fds = new List<int>();
        try
        {
            // A broker may refuse a connection before reading any request (the peer-credential check) and close
            // it: the send then fails (EPIPE), but the refusal is already waiting to be read, and it says why.
            var received = socket.Receive(packet, fds);
            if (sent < 0 && received <= 0)
            {
                throw new VfioException(step, Errno.FromResult(sent), advice: "the broker is gone (it closed the connection or exited)");
            }

            if (received == 0)
            {
                throw new VfioException(step, advice: "the broker closed the connection before replying (did it exit mid-request?)");
            }

            if (received == -Errno.EAGAIN.Value)
            {
                throw new VfioException(step, Errno.EAGAIN, advice: "no reply within the timeout: the broker is stuck or overloaded");
            }

            if (received < 0)
            {
                throw new VfioException(step, Errno.FromResult(received), advice: received == -Errno.EMSGSIZE.Value ? $"the reply was longer than a {SharingFrame.Size}-byte frame or carried more fds than fit (truncated)" : "receiving the reply failed");
            }

            if (!SharingFrame.TryRead(packet[..(int)received], out var reply, out var problem))
            {
                throw new VfioException(step, advice: $"malformed reply: {problem}");
            }

            if (reply.Kind == SharingMessageKind.Error)
            {
                if (fds.Count > 0)
                {
                    throw new VfioException(step, advice: $"the broker refused ({reply.Text}) and sent {fds.Count} fds with the refusal (closed)");
                }

                throw new VfioException(step, new Errno(reply.Status), advice: $"the broker refused: {reply.Text}");
            }

            if (reply.Kind != expected)
            {
                throw new VfioException(step, advice: $"the reply is a {reply.Kind} (0x{(ushort)reply.Kind:x}), not a {expected}");
            }

            var announced = expected is SharingMessageKind.HelloReply ? 0 : 1;
            if (reply.FdCount != announced || fds.Count != announced)
            {
                throw new VfioException(step, advice: $"a {expected} carries {announced} fd(s); the reply announced {reply.FdCount} and {fds.Count} arrived (closed)");
            }

            if (announced == 1)
            {
                fd = fds[0];
                fds.Clear();
            }

            return reply;
        }
        finally
        {
            // Whatever arrived and was not handed to the caller is closed: a worker never keeps an fd it did not ask for.
            UnixSocket.CloseAll(fds);
        }
    }
}
