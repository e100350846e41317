using VfioSharp.Uapi;

namespace VfioSharp.Interrupts;

/// <summary>What VFIO_DEVICE_GET_IRQ_INFO reports of an interrupt index.</summary>
/// <param name="Index">The index (INTx 0, MSI 1, MSI-X 2, ERR 3, REQ 4 for PCI).</param>
/// <param name="Flags">VFIO_IRQ_INFO_*.</param>
/// <param name="Count">How many vectors it has (0: the device doesn't have it, e.g. MSI-X on edu).</param>
public sealed record IrqInfo(uint Index, uint Flags, uint Count)
{
    /// <summary>Whether it can be masked (INTx).</summary>
    public bool Maskable => (Flags & vfio.VFIO_IRQ_INFO_MASKABLE) != 0;

    /// <summary>Whether VFIO masks it when it fires, so the driver must unmask it (INTx: level-triggered).</summary>
    public bool AutoMasked => (Flags & vfio.VFIO_IRQ_INFO_AUTOMASKED) != 0;

    /// <summary>Whether it can be signalled through an eventfd (every vfio-pci index).</summary>
    public bool SupportsEventFd => (Flags & vfio.VFIO_IRQ_INFO_EVENTFD) != 0;

    /// <summary>
    /// Whether the number of enabled vectors can't change while enabled (MSI: disable and enable again to change
    /// it; MSI-X can grow vectors dynamically on kernels that clear this flag).
    /// </summary>
    public bool NoResize => (Flags & vfio.VFIO_IRQ_INFO_NORESIZE) != 0;

    /// <summary>The index's name as vfio-pci numbers them: INTx, MSI, MSI-X, ERR, REQ, or "index N".</summary>
    public string Name => IndexName(Index);

    /// <summary>The name of a vfio-pci interrupt index.</summary>
    internal static string IndexName(uint index) => index switch
    {
        vfio.VFIO_PCI_INTX_IRQ_INDEX => "INTx",
        vfio.VFIO_PCI_MSI_IRQ_INDEX => "MSI",
        vfio.VFIO_PCI_MSIX_IRQ_INDEX => "MSI-X",
        vfio.VFIO_PCI_ERR_IRQ_INDEX => "ERR",
        vfio.VFIO_PCI_REQ_IRQ_INDEX => "REQ",
        _ => $"interrupt index {index}",
    };
}
