using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VfioSharp.Handles;
using VfioSharp.Ioctls;

namespace VfioSharp.Capabilities;

/// <summary>
/// VFIO's grow-and-retry protocol for variable-size replies: the caller passes <c>argsz</c> (the first
/// <c>__u32</c> of every such record, per vfio.h); when the reply does not fit, the kernel fills the fixed
/// part, raises <c>argsz</c> to what it needs, and the caller calls again with a buffer that large.
/// </summary>
public static class GrowingReply
{
    /// <summary>A first guess that holds the usual capability chains in one call.</summary>
    private const int InitialSize = 1024;

    /// <summary>Beyond this, a kernel that keeps asking for more is misbehaving.</summary>
    private const int MaximumSize = 1 << 20;

    private const int EMSGSIZE = 90;

    /// <summary>
    /// Issues <paramref name="request"/> with <paramref name="input"/> (its input fields set by the caller;
    /// <c>argsz</c> is managed here), growing the buffer until the reply fits. Returns the kernel's result
    /// or -errno; on success <paramref name="reply"/> owns a pooled buffer (dispose it). No allocation
    /// beyond the pool's.
    /// </summary>
    public static unsafe long TryInvoke<T>(KernelFileHandle handle, ulong request, in T input, out IoctlReply<T> reply)
        where T : unmanaged
    {
        var recordSize = Unsafe.SizeOf<T>();
        var size = Math.Max(recordSize, InitialSize);
        reply = default;
        while (true)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(size);
            Array.Clear(buffer, 0, size);
            MemoryMarshal.Write(buffer, in input);
            MemoryMarshal.Write(buffer, (uint)size);
            long result;
            // SAFETY: the pooled array is pinned for the call and is `size` bytes long, as argsz says.
            fixed (byte* pointer = buffer)
            {
                result = IoctlCall.Invoke(handle, request, (nint)pointer);
            }

            if (result < 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                return result;
            }

            var needed = MemoryMarshal.Read<uint>(buffer);
            if (needed <= (uint)size)
            {
                reply = new IoctlReply<T>(buffer, (int)Math.Max((uint)recordSize, Math.Min(needed, (uint)size)));
                return result;
            }

            ArrayPool<byte>.Shared.Return(buffer);
            if (needed > MaximumSize)
            {
                return -EMSGSIZE;
            }

            size = (int)needed;
        }
    }
}
