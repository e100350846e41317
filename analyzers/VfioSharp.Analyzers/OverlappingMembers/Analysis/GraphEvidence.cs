using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>
/// What the final pass over one converged control flow graph saw: clobbers confirmed by a read or
/// an escape, and for each member read, on how many path states it read another arm's bytes.
/// </summary>
internal sealed class GraphEvidence
{
    private readonly Dictionary<StoreSite, PendingClobber> _clobbers = new();
    private readonly Dictionary<IOperation, ReadTally> _reads = new();

    public IReadOnlyDictionary<StoreSite, PendingClobber> Clobbers => _clobbers;

    public IReadOnlyDictionary<IOperation, ReadTally> Reads => _reads;

    public void Confirm(PendingClobber pending)
    {
        if (!_clobbers.TryGetValue(pending.Clobberer, out var known) || pending.Clobbered.Id < known.Clobbered.Id)
        {
            _clobbers[pending.Clobberer] = pending;
        }
    }

    public void RecordRead(IOperation read, MemberAccess access, StoreSite? punningWriter)
    {
        if (!_reads.TryGetValue(read, out var tally))
        {
            tally = new ReadTally(access);
            _reads.Add(read, tally);
        }

        if (punningWriter is null)
        {
            tally.OtherStates++;
        }
        else
        {
            tally.PunnedStates++;
            tally.Writer ??= punningWriter;
        }
    }
}

/// <summary>How the path states reaching one read saw its bytes.</summary>
internal sealed class ReadTally
{
    public ReadTally(MemberAccess access) => Access = access;

    public MemberAccess Access { get; }

    public int PunnedStates { get; set; }

    /// <summary>States where the read was clean, explained by a clobber, or not trustworthy.</summary>
    public int OtherStates { get; set; }

    public StoreSite? Writer { get; set; }
}
