using System.Buffers.Binary;
using System.Text;
using VfioSharp.Modes;

namespace VfioSharp.Sharing;

/// <summary>
/// One message of the sharing protocol (runtime/SHARING.md): a fixed 96-byte little-endian frame, so that a
/// short or long packet is malformed by its length alone and nothing in it is a length to trust blindly.
/// </summary>
internal readonly record struct SharingFrame(SharingMessageKind Kind, int Status, VfioMode Mode, uint IoasId, int FdCount, string Text)
{
    public const int Size = 96;
    public const uint Magic = 0x48534656; // "VFSH"
    public const ushort Version = 1;
    public const int TextCapacity = Size - 24;

    public void Write(Span<byte> frame)
    {
        frame[..Size].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(frame, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(frame[4..], Version);
        BinaryPrimitives.WriteUInt16LittleEndian(frame[6..], (ushort)Kind);
        BinaryPrimitives.WriteInt32LittleEndian(frame[8..], Status);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[12..], (uint)Mode);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[16..], IoasId);
        BinaryPrimitives.WriteUInt16LittleEndian(frame[20..], (ushort)FdCount);
        var text = Encoding.UTF8.GetBytes(Text);
        var length = Math.Min(text.Length, TextCapacity);
        BinaryPrimitives.WriteUInt16LittleEndian(frame[22..], (ushort)length);
        text.AsSpan(0, length).CopyTo(frame[24..]);
    }

    /// <summary>Reads a frame, or says what is wrong with it.</summary>
    public static bool TryRead(ReadOnlySpan<byte> packet, out SharingFrame frame, out string problem)
    {
        frame = default;
        if (packet.Length != Size)
        {
            problem = $"a frame of {packet.Length} bytes (version {Version} frames are {Size})";
            return false;
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(packet) != Magic)
        {
            problem = $"magic 0x{BinaryPrimitives.ReadUInt32LittleEndian(packet):x8} instead of 0x{Magic:x8} (\"VFSH\")";
            return false;
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(packet[4..]);
        if (version != Version)
        {
            problem = $"protocol version {version} (this side speaks {Version})";
            return false;
        }

        var textLength = BinaryPrimitives.ReadUInt16LittleEndian(packet[22..]);
        if (textLength > TextCapacity)
        {
            problem = $"a text length of {textLength} bytes (at most {TextCapacity})";
            return false;
        }

        var mode = BinaryPrimitives.ReadUInt32LittleEndian(packet[12..]);
        if (mode > (uint)VfioMode.NoIommuCdev)
        {
            problem = $"mode {mode}, which is none of VfioMode's";
            return false;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(packet.Slice(24, textLength));
        }
        catch (DecoderFallbackException)
        {
            problem = "text that is not UTF-8";
            return false;
        }

        frame = new SharingFrame(
            (SharingMessageKind)BinaryPrimitives.ReadUInt16LittleEndian(packet[6..]),
            BinaryPrimitives.ReadInt32LittleEndian(packet[8..]),
            (VfioMode)mode,
            BinaryPrimitives.ReadUInt32LittleEndian(packet[16..]),
            BinaryPrimitives.ReadUInt16LittleEndian(packet[20..]),
            text);
        problem = string.Empty;
        return true;
    }
}
