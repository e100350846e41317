namespace VfioSharp.Runtime.Tests.Models;

/// <summary>One step of a random sequence: map <see cref="Pages"/> pages at slot <see cref="Slot"/>, or unmap the mapping at index <see cref="Slot"/>.</summary>
/// <param name="Map">Map (true) or unmap (false).</param>
/// <param name="Slot">Map: the IOVA slot (16 KiB apart, so 2–4 page mappings overlap their neighbours); unmap: which mapping (modulo the count; none mapped: a mapping that was never made).</param>
/// <param name="Pages">Map: 1–4 pages.</param>
public sealed record MappingOperation(bool Map, int Slot, int Pages)
{
    public const ulong SlotSize = 0x2000;

    public const ulong Base = 0x100000;

    public ulong Iova => Base + ((ulong)Slot * SlotSize);

    public ulong Length => (ulong)Pages * 4096;

    public override string ToString() => Map ? $"map {Pages}p @0x{Iova:x}" : $"unmap #{Slot}";
}
