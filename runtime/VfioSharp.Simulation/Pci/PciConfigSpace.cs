using System.Buffers.Binary;

namespace VfioSharp.Simulation.Pci;

/// <summary>
/// A function's physical config space: its bytes and, per bit, whether a write can change it (QEMU keeps the
/// same pair, <c>config</c> and <c>wmask</c>, for every emulated device). Bits a write cannot change keep
/// their value, as hardware's read-only bits do.
/// </summary>
internal sealed class PciConfigSpace(int size)
{
    private readonly byte[] _bytes = new byte[size];
    private readonly byte[] _writable = new byte[size];

    public int Size => _bytes.Length;

    public ReadOnlySpan<byte> Bytes => _bytes;

    public byte Byte(int offset) => _bytes[offset];

    public ushort Word(int offset) => BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan(offset));

    public uint Dword(int offset) => BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan(offset));

    /// <summary>Sets a byte as the device itself does (ignores the write mask).</summary>
    public void SetByte(int offset, byte value, byte writable = 0)
    {
        _bytes[offset] = value;
        _writable[offset] = writable;
    }

    public void SetWord(int offset, ushort value, ushort writable = 0)
    {
        SetByte(offset, (byte)value, (byte)writable);
        SetByte(offset + 1, (byte)(value >> 8), (byte)(writable >> 8));
    }

    public void SetDword(int offset, uint value, uint writable = 0)
    {
        SetWord(offset, (ushort)value, (ushort)writable);
        SetWord(offset + 2, (ushort)(value >> 16), (ushort)(writable >> 16));
    }

    /// <summary>Changes only the bits in <paramref name="bits"/>, whatever the write mask says (device-side state such as status bits).</summary>
    public void Update(int offset, byte bits, bool set) => _bytes[offset] = set ? (byte)(_bytes[offset] | bits) : (byte)(_bytes[offset] & ~bits);

    /// <summary>A bus write: each bit changes only where the write mask allows.</summary>
    public void Write(int offset, ReadOnlySpan<byte> source)
    {
        for (var i = 0; i < source.Length; i++)
        {
            var at = offset + i;
            _bytes[at] = (byte)((_bytes[at] & ~_writable[at]) | (source[i] & _writable[at]));
        }
    }

    public void Read(int offset, Span<byte> destination) => _bytes.AsSpan(offset, destination.Length).CopyTo(destination);

    public void CopyTo(PciConfigSpace other)
    {
        _bytes.CopyTo(other._bytes, 0);
        _writable.CopyTo(other._writable, 0);
    }
}
