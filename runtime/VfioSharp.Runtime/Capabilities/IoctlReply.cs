using System.Buffers;
using System.Runtime.InteropServices;

namespace VfioSharp.Capabilities;

/// <summary>
/// A variable-size ioctl reply (a VFIO info record followed by its capability chain) in a pooled buffer.
/// Dispose returns the buffer; the record and capabilities are invalid afterwards.
/// </summary>
/// <typeparam name="T">The info record at the start of the reply.</typeparam>
public struct IoctlReply<T> : IDisposable
    where T : unmanaged
{
    private byte[]? _buffer;
    private readonly int _length;

    internal IoctlReply(byte[] buffer, int length)
    {
        _buffer = buffer;
        _length = length;
    }

    /// <summary>The info record.</summary>
    public readonly ref T Value => ref MemoryMarshal.AsRef<T>(Buffer.AsSpan(0, _length));

    /// <summary>The whole reply: the record and what follows it.</summary>
    public readonly ReadOnlySpan<byte> Bytes => Buffer.AsSpan(0, _length);

    /// <summary>The capability chain that starts at <paramref name="firstOffset"/> (the record's <c>cap_offset</c>).</summary>
    public readonly CapabilityChain CapabilitiesAt(uint firstOffset) => new(Bytes, firstOffset);

    private readonly byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(IoctlReply<T>));

    /// <summary>Returns the buffer to the pool.</summary>
    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = null;
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
