using System.Runtime.InteropServices;

namespace VfioSharp.Capabilities;

/// <summary>
/// One capability of a VFIO info reply: its header's id and version, and its bytes (from its header to
/// the next capability or the end of the reply).
/// </summary>
public readonly ref struct Capability
{
    internal Capability(ushort id, ushort version, int offset, ReadOnlySpan<byte> bytes)
    {
        Id = id;
        Version = version;
        Offset = offset;
        Bytes = bytes;
    }

    /// <summary>The capability id (<c>VFIO_REGION_INFO_CAP_SPARSE_MMAP</c>, ...).</summary>
    public ushort Id { get; }

    /// <summary>The capability's version.</summary>
    public ushort Version { get; }

    /// <summary>Where the capability starts, in bytes from the start of the reply.</summary>
    public int Offset { get; }

    /// <summary>The capability, header included.</summary>
    public ReadOnlySpan<byte> Bytes { get; }

    /// <summary>
    /// The capability as its uapi record (<c>vfio_region_info_cap_sparse_mmap</c>, ...), copied out.
    /// Throws <see cref="InvalidDataException"/> when the capability is shorter than the record.
    /// </summary>
    public T Read<T>()
        where T : unmanaged
    {
        if (Bytes.Length < System.Runtime.CompilerServices.Unsafe.SizeOf<T>())
        {
            throw new InvalidDataException(
                $"capability {Id} at offset {Offset} has {Bytes.Length} bytes, fewer than the {System.Runtime.CompilerServices.Unsafe.SizeOf<T>()} of {typeof(T).Name}");
        }

        return MemoryMarshal.Read<T>(Bytes);
    }
}
