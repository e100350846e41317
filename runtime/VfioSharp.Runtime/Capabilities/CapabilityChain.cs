using System.Runtime.InteropServices;
using VfioSharp.Uapi;

namespace VfioSharp.Capabilities;

/// <summary>
/// The capability chain of a VFIO info reply (<c>vfio_info_cap_header</c>: id, version, next), walked
/// without allocating. Every header must lie inside the reply and every <c>next</c> must point past the
/// header it follows: a chain that loops back or runs out of the reply is reported, never followed.
/// </summary>
public readonly ref struct CapabilityChain
{
    private readonly ReadOnlySpan<byte> _reply;
    private readonly uint _first;

    /// <summary>A chain in <paramref name="reply"/> starting at <paramref name="firstOffset"/> (0: no capabilities).</summary>
    public CapabilityChain(ReadOnlySpan<byte> reply, uint firstOffset)
    {
        _reply = reply;
        _first = firstOffset;
    }

    /// <summary>Walks the chain; throws <see cref="InvalidDataException"/> at the first malformed link.</summary>
    public Enumerator GetEnumerator() => new(_reply, _first);

    /// <summary>Finds the first capability with <paramref name="id"/>.</summary>
    public bool TryFind(ushort id, out Capability capability)
    {
        foreach (var candidate in this)
        {
            if (candidate.Id == id)
            {
                capability = candidate;
                return true;
            }
        }

        capability = default;
        return false;
    }

    /// <summary>The walk over a chain.</summary>
    public ref struct Enumerator
    {
        private static readonly int HeaderSize = System.Runtime.CompilerServices.Unsafe.SizeOf<vfio_info_cap_header>();
        private readonly ReadOnlySpan<byte> _reply;
        private uint _next;
        private uint _minimum;

        internal Enumerator(ReadOnlySpan<byte> reply, uint first)
        {
            _reply = reply;
            _next = first;
            _minimum = 0;
            Current = default;
        }

        /// <summary>The capability the walk is at.</summary>
        public Capability Current { get; private set; }

        /// <summary>Moves to the next capability; false at the end of the chain.</summary>
        public bool MoveNext()
        {
            if (_next == 0)
            {
                return false;
            }

            var offset = _next;
            if (offset < _minimum)
            {
                // Offsets only grow along a well-formed chain: going back would loop.
                throw new InvalidDataException($"capability chain loops: a link points back to offset {offset} (at or before {_minimum - 1})");
            }

            if (offset > (uint)_reply.Length || (uint)_reply.Length - offset < (uint)HeaderSize)
            {
                throw new InvalidDataException($"capability chain: a header at offset {offset} runs past the end of the {_reply.Length}-byte reply");
            }

            var header = MemoryMarshal.Read<vfio_info_cap_header>(_reply[(int)offset..]);
            var end = header.next == 0 ? (uint)_reply.Length : header.next;
            if (header.next != 0 && header.next < offset + (uint)HeaderSize)
            {
                throw new InvalidDataException($"capability chain loops: capability {header.id} at offset {offset} points to {header.next}");
            }

            if (end > (uint)_reply.Length)
            {
                end = (uint)_reply.Length;
            }

            Current = new Capability(header.id, header.version, (int)offset, _reply[(int)offset..(int)end]);
            _minimum = offset + (uint)HeaderSize;
            _next = header.next;
            return true;
        }
    }
}
