using System.Buffers.Binary;
using VfioSharp.Simulation.Core;

namespace VfioSharp.Simulation.Memory;

/// <summary>
/// <c>/proc/self/pagemap</c>: one 64-bit entry per virtual page (bit 63 present, bits 0–54 the page frame number).
/// Without CAP_SYS_ADMIN Linux reports present pages with PFN 0, and so does this.
/// </summary>
internal sealed class PagemapFile(SimulatedKernel kernel) : SimulatedFile(kernel)
{
    public override string Description => "/proc/self/pagemap";

    public override long PRead(Span<byte> buffer, long offset)
    {
        if (offset < 0 || (offset & 7) != 0 || (buffer.Length & 7) != 0)
        {
            return -LinuxErrno.EINVAL;
        }

        for (var i = 0; i < buffer.Length / 8; i++)
        {
            var page = ((ulong)offset / 8) + (ulong)i;
            var pfn = Kernel.Memory.PfnOf(page * 4096);
            var entry = pfn == 0 ? 0 : (1UL << 63) | (Kernel.Options.Root ? pfn : 0);
            BinaryPrimitives.WriteUInt64LittleEndian(buffer.Slice(i * 8, 8), entry);
        }

        return buffer.Length;
    }
}
