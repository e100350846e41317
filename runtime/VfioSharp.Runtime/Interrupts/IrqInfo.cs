namespace VfioSharp.Interrupts;

/// <summary>What VFIO_DEVICE_GET_IRQ_INFO reports of an interrupt index.</summary>
/// <param name="Index">The index (INTx 0, MSI 1, MSI-X 2, ERR 3, REQ 4 for PCI).</param>
/// <param name="Flags">VFIO_IRQ_INFO_*.</param>
/// <param name="Count">How many vectors it has (0: the device doesn't have it).</param>
public sealed record IrqInfo(uint Index, uint Flags, uint Count)
{
    /// <summary>Whether it can be masked (INTx).</summary>
    public bool Maskable => (Flags & Uapi.vfio.VFIO_IRQ_INFO_MASKABLE) != 0;

    /// <summary>Whether VFIO masks it when it fires, so the driver must unmask it (INTx).</summary>
    public bool AutoMasked => (Flags & Uapi.vfio.VFIO_IRQ_INFO_AUTOMASKED) != 0;
}
