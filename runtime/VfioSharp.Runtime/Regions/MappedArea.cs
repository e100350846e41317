namespace VfioSharp.Regions;

/// <summary>One mmap'ed part of a region: where it lies in the region and where in the process.</summary>
/// <param name="Offset">Where the area starts in the region.</param>
/// <param name="Size">Its length in bytes.</param>
/// <param name="Address">Its address in the process; valid until the <see cref="MappedRegion"/> is disposed.</param>
public readonly record struct MappedArea(ulong Offset, ulong Size, nint Address)
{
    /// <summary>Whether an access of <paramref name="width"/> bytes at region offset <paramref name="offset"/> lies inside.</summary>
    internal bool Contains(ulong offset, int width) => offset >= Offset && offset - Offset <= Size - (ulong)width && Size >= (ulong)width;
}
