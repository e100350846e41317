using System.Globalization;

/// <summary>
/// Methods of the part of a driver that is not VFIO plumbing: descriptor rings in DMA memory,
/// device registers through the runtime's <c>MmioAccess</c>, packet parsing, checksums, link state,
/// polling with a bound, option parsing and statistics. A real userspace driver is mostly this
/// (bench/analyzers/README.md gives the measured share); the VFIO rules have nothing to report here
/// and must cost next to nothing on it.
/// </summary>
internal static class DeviceLogicTemplates
{
    /// <summary>The fields the templates use, declared once per driver class.</summary>
    public const string Fields =
        "    private MmioAccess _bar; private DmaBuffer _ring; private uint _tail; private uint _head; private LinkState _link; private long _rxPackets; private long _rxBytes; private long _errors;";

    /// <summary>Types the templates share, declared once per file.</summary>
    public const string FileTypes = """
        public enum LinkState { Down, Training, Up, Failed }
        public enum FrameKind { Unknown, Ipv4Udp, Ipv4Tcp, Ipv6, Arp }
        public readonly record struct PortCounters(ulong Good, ulong Bad, ulong Dropped, ulong Octets);

        """;

    public static string Method(Random random, int index)
    {
        var n = random.Next(1000);
        var offset = (0x100 + (n % 64) * 4).ToString("X", CultureInfo.InvariantCulture);
        return random.Next(8) switch
        {
            0 => $$"""
                    public int FillTx{{n}}_{{index}}(ReadOnlySpan<ulong> addresses, ReadOnlySpan<ushort> lengths)
                    {
                        var ring = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(_ring.Span);
                        var slots = ring.Length / 2;
                        var filled = 0;
                        for (var i = 0; i < addresses.Length && i < lengths.Length; i++)
                        {
                            var slot = (int)((_tail + (uint)i) % (uint)slots);
                            ring[slot * 2] = addresses[i];
                            ring[slot * 2 + 1] = lengths[i] | (1UL << 24) | (i == addresses.Length - 1 ? 1UL << 27 : 0UL);
                            filled++;
                        }

                        _tail = (uint)((_tail + (uint)filled) % (uint)slots);
                        MmioAccess.Barrier();
                        _bar.Write32(0x{{offset}}, _tail);
                        return filled;
                    }

                """,
            1 => $$"""
                    public int PollRx{{n}}_{{index}}(Span<byte> destination)
                    {
                        var hardwareHead = _bar.Read32(0x{{offset}});
                        var ring = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(_ring.Span);
                        var copied = 0;
                        while (_head != hardwareHead)
                        {
                            var status = ring[(int)_head * 2 + 1];
                            if ((status & (1UL << 32)) == 0) { break; }
                            var length = (int)(status & 0xFFFF);
                            if ((status & (1UL << 40)) != 0 || length > destination.Length - copied) { _errors++; }
                            else { _rxPackets++; _rxBytes += length; copied += length; }
                            _head = (_head + 1) % (uint)(ring.Length / 2);
                        }

                        return copied;
                    }

                """,
            2 => $$"""
                    public static FrameKind Classify{{n}}_{{index}}(ReadOnlySpan<byte> frame)
                    {
                        if (frame.Length < 14) { return FrameKind.Unknown; }
                        var etherType = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(frame.Slice(12));
                        switch (etherType)
                        {
                            case 0x0806:
                                return FrameKind.Arp;
                            case 0x86DD:
                                return FrameKind.Ipv6;
                            case 0x0800:
                                if (frame.Length < 34) { return FrameKind.Unknown; }
                                var headerLength = (frame[14] & 0x0F) * 4;
                                return frame[23] switch { 17 => FrameKind.Ipv4Udp, 6 when headerLength >= 20 => FrameKind.Ipv4Tcp, _ => FrameKind.Unknown };
                            default:
                                return FrameKind.Unknown;
                        }
                    }

                """,
            3 => $$"""
                    public static ushort Checksum{{n}}_{{index}}(ReadOnlySpan<byte> data, uint seed)
                    {
                        var sum = seed + {{n}}u;
                        var i = 0;
                        for (; i + 1 < data.Length; i += 2)
                        {
                            sum += (uint)(data[i] << 8 | data[i + 1]);
                        }

                        if (i < data.Length) { sum += (uint)(data[i] << 8); }
                        while ((sum >> 16) != 0) { sum = (sum & 0xFFFF) + (sum >> 16); }
                        return (ushort)~sum;
                    }

                """,
            4 => $$"""
                    public string UpdateLink{{n}}_{{index}}()
                    {
                        var status = _bar.Read32(0x{{offset}});
                        var next = _link switch
                        {
                            LinkState.Down when (status & 1) != 0 => LinkState.Training,
                            LinkState.Training when (status & 2) != 0 => LinkState.Up,
                            LinkState.Training when (status & 4) != 0 => LinkState.Failed,
                            LinkState.Up when (status & 1) == 0 => LinkState.Down,
                            var same => same,
                        };
                        var message = next == _link ? string.Empty : $"link {_link} -> {next} (status 0x{status:X8})";
                        _link = next;
                        return message;
                    }

                """,
            5 => $$"""
                    public void WaitReady{{n}}_{{index}}(int attempts)
                    {
                        _bar.Write32(0x{{offset}}, 1u << {{n % 32}});
                        for (var attempt = 0; attempt < attempts; attempt++)
                        {
                            if ((_bar.Read32(0x{{offset}}) & (1u << {{n % 32}})) == 0)
                            {
                                return;
                            }

                            System.Threading.Thread.SpinWait(1 << Math.Min(attempt, 10));
                        }

                        throw new TimeoutException($"the device did not clear bit {{n % 32}} of register 0x{{offset}} after {attempts} reads");
                    }

                """,
            6 => $$"""
                    public static (int Queues, int RingSize) ParseOptions{{n}}_{{index}}(string options)
                    {
                        var queues = 1;
                        var ringSize = 256;
                        foreach (var part in options.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                        {
                            var equals = part.IndexOf('=');
                            if (equals <= 0) { throw new ArgumentException($"option '{part}' has no value", nameof(options)); }
                            var value = int.Parse(part.AsSpan(equals + 1), System.Globalization.CultureInfo.InvariantCulture);
                            switch (part.Substring(0, equals))
                            {
                                case "queues": queues = value; break;
                                case "ring": ringSize = value; break;
                                default: throw new ArgumentException($"unknown option '{part}'", nameof(options));
                            }
                        }

                        return ringSize is > 0 and <= 4096 && (ringSize & (ringSize - 1)) == 0
                            ? (queues, ringSize)
                            : throw new ArgumentException($"ring size {ringSize} is not a power of two up to 4096", nameof(options));
                    }

                """,
            _ => $$"""
                    public PortCounters Counters{{n}}_{{index}}(PortCounters previous)
                    {
                        Span<ulong> raw = stackalloc ulong[4];
                        for (var i = 0; i < raw.Length; i++)
                        {
                            raw[i] = _bar.Read32(0x{{offset}} + (ulong)i * 8) | (ulong)_bar.Read32(0x{{offset}} + (ulong)i * 8 + 4) << 32;
                        }

                        return new PortCounters(previous.Good + raw[0], previous.Bad + raw[1], previous.Dropped + raw[2], previous.Octets + raw[3]);
                    }

                """,
        };
    }
}
