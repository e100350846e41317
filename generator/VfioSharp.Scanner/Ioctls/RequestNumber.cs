using VfioSharp.Model.Ioctls;

namespace VfioSharp.Scanner.Ioctls;

/// <summary>
/// An ioctl request number taken apart as asm-generic/ioctl.h packs it (x86_64 uses the generic layout:
/// nr 8 bits, type 8 bits, size 14 bits, direction 2 bits).
/// </summary>
internal readonly record struct RequestNumber(ulong Value)
{
    public int Number => (int)(Value & 0xff);

    public int Type => (int)((Value >> 8) & 0xff);

    public int Size => (int)((Value >> 16) & 0x3fff);

    public RequestDirection Direction => (RequestDirection)((Value >> 30) & 0x3);
}
