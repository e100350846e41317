using System.Runtime.InteropServices;
using System.Text;
using VfioSharp.Kernel;

namespace VfioSharp.Sharing;

/// <summary>
/// A <c>SOCK_SEQPACKET</c> Unix domain socket over libc: one frame per packet (a truncated or oversized frame is
/// seen as such, never merged with the next), descriptors in <c>SCM_RIGHTS</c> control messages, the peer's
/// credentials from <c>SO_PEERCRED</c>. Real descriptors only: the simulated kernel's can't cross processes.
/// </summary>
internal sealed unsafe partial class UnixSocket : IDisposable
{
    private const int AfUnix = 1;
    private const int SockSeqPacket = 5;
    private const int SockCloexec = 0x80000;
    private const int SolSocket = 1;
    private const int ScmRights = 1;
    private const int SoPeerCred = 17;
    private const int SoRcvTimeo = 20;
    private const int SoSndTimeo = 21;
    private const int MsgNoSignal = 0x4000;
    private const int MsgTrunc = 0x20;
    private const int MsgCtrunc = 0x8;
    private const int MsgCmsgCloexec = 0x40000000;
    private const int CmsgHeader = 16;

    // Room for more descriptors than any reply carries, so a hostile peer's extra ones arrive (and are closed)
    // instead of being cut off with MSG_CTRUNC, which would leave no way to tell how many were sent.
    private const int MaxFds = 16;

    private int _fd;

    private UnixSocket(int fd) => _fd = fd;

    /// <summary>The descriptor, -1 once disposed.</summary>
    public int Fd => _fd;

    public static UnixSocket Listen(string path, int mode)
    {
        var socket = Create();
        try
        {
            var address = Address(path, out var length);
            _ = Unlink(path);
            Check(Bind(socket._fd, &address, length), $"binding {path}");

            // The socket file's permissions are who may connect: set them before anyone can (listen).
            Check(Chmod(path, mode), $"setting mode {Convert.ToString(mode, 8)} on {path}");
            Check(ListenOn(socket._fd, 16), $"listening on {path}");
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static UnixSocket Connect(string path, TimeSpan timeout)
    {
        var socket = Create();
        try
        {
            var address = Address(path, out var length);
            Check(ConnectTo(socket._fd, &address, length), $"connecting to the broker at {path}");
            socket.SetTimeouts(timeout);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public UnixSocket Accept()
    {
        int fd;
        do
        {
            fd = Accept4(_fd, 0, 0, SockCloexec);
        }
        while (fd < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR.Value);

        Check(fd, "accepting a worker");
        return new UnixSocket(fd);
    }

    public void SetTimeouts(TimeSpan timeout)
    {
        var value = stackalloc long[2] { (long)timeout.TotalSeconds, (long)(timeout.TotalMicroseconds % 1_000_000) };

        // SAFETY: value points at a struct timeval (two longs on 64-bit Linux) that lives for the call.
        Check(SetSockOpt(_fd, SolSocket, SoRcvTimeo, value, 16), "setting the receive timeout");
        Check(SetSockOpt(_fd, SolSocket, SoSndTimeo, value, 16), "setting the send timeout");
    }

    /// <summary>The peer's process, user and group, as the kernel recorded them at connect.</summary>
    public (int Pid, uint Uid, uint Gid) PeerCredentials()
    {
        var credentials = stackalloc int[3];
        var length = 12;

        // SAFETY: credentials has room for struct ucred (pid, uid, gid: 12 bytes), length says so.
        Check(GetSockOpt(_fd, SolSocket, SoPeerCred, credentials, &length), "reading the peer's credentials (SO_PEERCRED)");
        return (credentials[0], (uint)credentials[1], (uint)credentials[2]);
    }

    /// <summary>Sends one frame with <paramref name="fds"/> attached.</summary>
    /// <returns>0, or <c>-errno</c> (EPIPE when the peer is gone).</returns>
    public int Send(ReadOnlySpan<byte> frame, ReadOnlySpan<int> fds)
    {
        var control = stackalloc byte[CmsgHeader + (MaxFds * sizeof(int))];
        var message = default(MessageHeader);
        fixed (byte* bytes = frame)
        {
            var vector = new IoVector { Base = bytes, Length = (nuint)frame.Length };
            message.Iov = &vector;
            message.IovLength = 1;
            if (fds.Length > 0)
            {
                // SAFETY: control holds a cmsghdr (len, level, type) followed by the fds, within its stackalloc'd size.
                *(nuint*)control = (nuint)(CmsgHeader + (fds.Length * sizeof(int)));
                *(int*)(control + 8) = SolSocket;
                *(int*)(control + 12) = ScmRights;
                fds.CopyTo(new Span<int>(control + CmsgHeader, fds.Length));
                message.Control = control;
                message.ControlLength = (nuint)(CmsgHeader + Align8(fds.Length * sizeof(int)));
            }

            nint sent;
            do
            {
                sent = SendMsg(_fd, &message, MsgNoSignal);
            }
            while (sent < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR.Value);

            return sent < 0 ? -Marshal.GetLastPInvokeError() : 0;
        }
    }

    /// <summary>Receives one frame and every descriptor attached to it (close-on-exec).</summary>
    /// <returns>The frame's length (0: the peer closed), or <c>-errno</c>; <c>-EMSGSIZE</c> when the frame or its control data was truncated (descriptors that did arrive are in <paramref name="fds"/>).</returns>
    public long Receive(Span<byte> frame, List<int> fds)
    {
        var control = stackalloc byte[CmsgHeader + (MaxFds * sizeof(int))];
        var message = default(MessageHeader);
        nint received;
        fixed (byte* bytes = frame)
        {
            var vector = new IoVector { Base = bytes, Length = (nuint)frame.Length };
            message.Iov = &vector;
            message.IovLength = 1;
            message.Control = control;
            message.ControlLength = (nuint)(CmsgHeader + (MaxFds * sizeof(int)));
            do
            {
                received = RecvMsg(_fd, &message, MsgCmsgCloexec);
            }
            while (received < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR.Value);
        }

        if (received < 0)
        {
            return -Marshal.GetLastPInvokeError();
        }

        // Walk every control message: a hostile peer may send several SCM_RIGHTS (or other) messages.
        var offset = 0;
        while (offset + CmsgHeader <= (int)message.ControlLength)
        {
            // SAFETY: offset + CmsgHeader is within the control data the kernel filled in (ControlLength).
            var length = (int)*(nuint*)(control + offset);
            if (length < CmsgHeader || offset + length > (int)message.ControlLength)
            {
                break;
            }

            if (*(int*)(control + offset + 8) == SolSocket && *(int*)(control + offset + 12) == ScmRights)
            {
                var count = (length - CmsgHeader) / sizeof(int);
                for (var i = 0; i < count; i++)
                {
                    // SAFETY: the fds lie within this control message's length, checked above.
                    fds.Add(*(int*)(control + offset + CmsgHeader + (i * sizeof(int))));
                }
            }

            offset += CmsgHeader + Align8(length - CmsgHeader);
        }

        return (message.Flags & (MsgTrunc | MsgCtrunc)) != 0 ? -Errno.EMSGSIZE.Value : received;
    }

    /// <summary>Waits until the socket is readable (a connection to accept, a frame, or the peer's close).</summary>
    /// <returns>Whether it is, within <paramref name="milliseconds"/>.</returns>
    public bool WaitReadable(int milliseconds)
    {
        var descriptor = stackalloc int[2] { _fd, 1 /* POLLIN */ };

        // SAFETY: descriptor is one struct pollfd (int fd, short events, short revents) = 8 bytes.
        return PollFds(descriptor, 1, milliseconds) > 0;
    }

    public static void CloseAll(List<int> fds)
    {
        foreach (var fd in fds)
        {
            _ = CloseFd(fd);
        }

        fds.Clear();
    }

    public void Dispose()
    {
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
        {
            _ = CloseFd(fd);
        }
    }

    private static int Align8(int value) => (value + 7) & ~7;

    private static UnixSocket Create()
    {
        var fd = SocketCreate(AfUnix, SockSeqPacket | SockCloexec, 0);
        Check(fd, "creating a Unix domain socket");
        return new UnixSocket(fd);
    }

    private static SocketAddress Address(string path, out int length)
    {
        var bytes = Encoding.UTF8.GetBytes(path);
        if (bytes.Length >= 108)
        {
            throw new ArgumentException($"the socket path {path} is {bytes.Length} bytes; a Unix socket path has at most 107", nameof(path));
        }

        var address = default(SocketAddress);
        address.Family = AfUnix;
        bytes.CopyTo(new Span<byte>(address.Path, 108));
        length = 2 + bytes.Length + 1;
        return address;
    }

    private static void Check(long result, string step)
    {
        if (result < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new VfioException(step, new Errno(errno));
        }
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int SocketCreate(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    private static partial int Bind(int fd, SocketAddress* address, int length);

    [LibraryImport("libc", EntryPoint = "listen", SetLastError = true)]
    private static partial int ListenOn(int fd, int backlog);

    [LibraryImport("libc", EntryPoint = "accept4", SetLastError = true)]
    private static partial int Accept4(int fd, nint address, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)]
    private static partial int ConnectTo(int fd, SocketAddress* address, int length);

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    private static partial nint SendMsg(int fd, MessageHeader* message, int flags);

    [LibraryImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    private static partial nint RecvMsg(int fd, MessageHeader* message, int flags);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    private static partial int GetSockOpt(int fd, int level, int name, void* value, int* length);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static partial int SetSockOpt(int fd, int level, int name, void* value, int length);

    [LibraryImport("libc", EntryPoint = "chmod", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Chmod(string path, int mode);

    [LibraryImport("libc", EntryPoint = "unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Unlink(string path);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int PollFds(int* descriptors, nuint count, int timeout);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int CloseFd(int fd);

    [StructLayout(LayoutKind.Sequential)]
    private struct SocketAddress
    {
        public ushort Family;
        public fixed byte Path[108];
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVector
    {
        public byte* Base;
        public nuint Length;
    }

    // struct msghdr on 64-bit Linux (x86_64, arm64): name, namelen (+ padding), iov, iovlen, control, controllen, flags.
    [StructLayout(LayoutKind.Sequential)]
    private struct MessageHeader
    {
        public void* Name;
        public uint NameLength;
        public IoVector* Iov;
        public nuint IovLength;
        public byte* Control;
        public nuint ControlLength;
        public int Flags;
    }
}
