using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace VfioSharp.Sharing.Peer;

/// <summary>
/// Sends one packet with descriptors attached (SCM_RIGHTS) on a .NET <see cref="Socket"/>, which has no API for it:
/// what a misbehaving peer of the sharing protocol does on purpose (a worker sending fds to the broker, a broker
/// sending more or fewer fds than its reply announces). Linked into the test project too, so both sides of the
/// sharing tests can misbehave. Layouts: struct msghdr / cmsghdr of 64-bit Linux (include/linux/socket.h).
/// </summary>
internal static unsafe partial class ScmRightsSender
{
    private const int SolSocket = 1;
    private const int ScmRights = 1;
    private const int MsgNoSignal = 0x4000;
    private const int CmsgHeader = 16;

    /// <summary>Sends <paramref name="packet"/> with <paramref name="fds"/> in one SCM_RIGHTS control message.</summary>
    /// <returns>The bytes sent, or <c>-errno</c>.</returns>
    public static long Send(Socket socket, ReadOnlySpan<byte> packet, ReadOnlySpan<int> fds)
    {
        var controlLength = CmsgHeader + (((fds.Length * sizeof(int)) + 7) & ~7);
        var control = stackalloc byte[controlLength];
        new Span<byte>(control, controlLength).Clear();
        var fd = (int)socket.Handle;
        fixed (byte* bytes = packet)
        {
            // SAFETY: vector, message and control live on this stack frame for the call; the cmsghdr (len, level,
            // type) and the fds after it lie within control's controlLength bytes.
            var vector = new IoVector { Base = bytes, Length = (nuint)packet.Length };
            var message = new MessageHeader { Iov = &vector, IovLength = 1 };
            if (fds.Length > 0)
            {
                *(nuint*)control = (nuint)(CmsgHeader + (fds.Length * sizeof(int)));
                *(int*)(control + 8) = SolSocket;
                *(int*)(control + 12) = ScmRights;
                fds.CopyTo(new Span<int>(control + CmsgHeader, fds.Length));
                message.Control = control;
                message.ControlLength = (nuint)controlLength;
            }

            var sent = SendMsg(fd, &message, MsgNoSignal);
            return sent < 0 ? -Marshal.GetLastPInvokeError() : sent;
        }
    }

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    private static partial nint SendMsg(int fd, MessageHeader* message, int flags);

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVector
    {
        public byte* Base;
        public nuint Length;
    }

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
