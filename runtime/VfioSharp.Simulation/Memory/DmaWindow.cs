using System.Runtime.InteropServices;
using VfioSharp.Simulation.Core;

namespace VfioSharp.Simulation.Memory;

/// <summary>
/// What a device's DMA goes through: the IOMMU page table its group's container or its IOAS holds, physical
/// addresses in no-IOMMU mode, or nothing (not attached: every DMA faults). A DMA that doesn't translate
/// whole is recorded as an IOMMU fault and does not land.
/// </summary>
internal sealed class DmaWindow(SimulatedKernel kernel, string device)
{
    /// <summary>The page table DMA goes through, when attached to an IOMMU domain.</summary>
    public IoPageTable? PageTable { get; set; }

    /// <summary>Whether DMA uses physical addresses (no-IOMMU mode).</summary>
    public bool Physical { get; set; }

    public bool TryRead(ulong address, Span<byte> destination) => Transfer(address, destination, write: false);

    public unsafe bool TryWrite(ulong address, ReadOnlySpan<byte> source)
    {
        var host = Resolve(address, (ulong)source.Length, write: true);
        if (host == 0)
        {
            return false;
        }

        // SAFETY: Resolve found a live mapping that holds all of [host, host + length).
        source.CopyTo(new Span<byte>((void*)host, source.Length));
        return true;
    }

    private unsafe bool Transfer(ulong address, Span<byte> destination, bool write)
    {
        var host = Resolve(address, (ulong)destination.Length, write);
        if (host == 0)
        {
            return false;
        }

        // SAFETY: as in TryWrite.
        new ReadOnlySpan<byte>((void*)host, destination.Length).CopyTo(destination);
        return true;
    }

    private nint Resolve(ulong address, ulong length, bool write)
    {
        var host = PageTable is { } table ? table.Translate(address, length, write)
            : Physical ? kernel.Memory.VirtualOf(address, length)
            : 0;
        if (host == 0)
        {
            kernel.RecordFault(new IommuFault(device, address, length, write));
        }

        return host;
    }
}
