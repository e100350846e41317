using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>A store that overwrote another arm's value which was still needed (VFIO001).</summary>
internal sealed class ClobberFinding
{
    public ClobberFinding(Location location, Location clobberedLocation, string store, string clobbered, string union, string bytes)
    {
        Location = location;
        ClobberedLocation = clobberedLocation;
        Store = store;
        Clobbered = clobbered;
        Union = union;
        Bytes = bytes;
    }

    public Location Location { get; }

    /// <summary>Where the overwritten value was stored.</summary>
    public Location ClobberedLocation { get; }

    public string Store { get; }

    public string Clobbered { get; }

    public string Union { get; }

    public string Bytes { get; }
}

/// <summary>A read of a member whose bytes, on every path, another arm wrote last (VFIO002).</summary>
internal sealed class PunningReadFinding
{
    public PunningReadFinding(Location location, Location writerLocation, string read, string writer, string union)
    {
        Location = location;
        WriterLocation = writerLocation;
        Read = read;
        Writer = writer;
        Union = union;
    }

    public Location Location { get; }

    public Location WriterLocation { get; }

    public string Read { get; }

    public string Writer { get; }

    public string Union { get; }
}

/// <summary>Everything the overlapping-member analysis found in one member body.</summary>
internal sealed class MemberFindings
{
    public MemberFindings(ImmutableArray<ClobberFinding> clobbers, ImmutableArray<PunningReadFinding> punningReads)
    {
        Clobbers = clobbers;
        PunningReads = punningReads;
    }

    public static MemberFindings None { get; } = new(ImmutableArray<ClobberFinding>.Empty, ImmutableArray<PunningReadFinding>.Empty);

    public ImmutableArray<ClobberFinding> Clobbers { get; }

    public ImmutableArray<PunningReadFinding> PunningReads { get; }
}
