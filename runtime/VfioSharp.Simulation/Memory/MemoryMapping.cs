using VfioSharp.Kernel;

namespace VfioSharp.Simulation.Memory;

/// <summary>One mapping of the simulated process: anonymous memory it owns, or a view of a device's memory.</summary>
/// <param name="Address">Where it starts.</param>
/// <param name="Length">Its length in bytes (page multiple).</param>
/// <param name="Protection">What it allows.</param>
/// <param name="FirstPfn">The page frame number of its first page (anonymous memory is physically contiguous here).</param>
/// <param name="Owned">Whether unmapping frees it (anonymous memory) or leaves it to its device.</param>
internal sealed record MemoryMapping(nint Address, ulong Length, MemoryProtection Protection, ulong FirstPfn, bool Owned)
{
    public bool Contains(ulong address, ulong length)
        => address >= (ulong)Address && length <= Length && address - (ulong)Address <= Length - length;
}
