namespace VfioSharp.Simulation.Containers;

/// <summary>
/// Builds a VFIO capability chain as the kernel's <c>vfio_info_add_capability</c> does: each capability starts
/// with a header (id, version, next), is padded to 8 bytes, and <c>next</c> is the offset from the start of
/// the reply (the info struct comes first).
/// </summary>
internal sealed class CapabilityChainBuilder(int infoSize)
{
    private readonly List<byte> _bytes = [];
    private int _lastHeader = -1;

    public void Add(int id, int version, ReadOnlySpan<byte> capability, bool pad = true)
    {
        var start = _bytes.Count;
        var body = capability.ToArray();
        BitConverter.TryWriteBytes(body.AsSpan(0, 2), (ushort)id);
        BitConverter.TryWriteBytes(body.AsSpan(2, 2), (ushort)version);
        BitConverter.TryWriteBytes(body.AsSpan(4, 4), 0u);
        _bytes.AddRange(body);
        if (pad)
        {
            while (_bytes.Count % 8 != 0)
            {
                _bytes.Add(0);
            }
        }

        if (_lastHeader >= 0)
        {
            var next = BitConverter.GetBytes((uint)(infoSize + start));
            for (var i = 0; i < 4; i++)
            {
                _bytes[_lastHeader + 4 + i] = next[i];
            }
        }

        _lastHeader = start;
    }

    public byte[] ToArray() => [.. _bytes];
}
