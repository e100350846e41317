using VfioSharp.Simulation.EventFds;

namespace VfioSharp.Simulation.Pci;

/// <summary>
/// vfio-pci's interrupt state of one device (<c>vfio_pci_intrs.c</c>): INTx with automasking, MSI/MSI-X
/// vectors, the ERR and REQ triggers — each delivered to the eventfd the user registered. vfio-pci holds a
/// reference to each eventfd, so closing the user's descriptor does not stop delivery.
/// </summary>
internal sealed class VfioPciInterrupts
{
    public EventFdFile? Intx { get; set; }

    public bool IntxEnabled { get; set; }

    public bool IntxMasked { get; set; }

    public bool IntxLine { get; private set; }

    /// <summary>The MSI (or MSI-X) vectors' eventfds while enabled; null when neither is.</summary>
    public EventFdFile?[]? Msi { get; set; }

    public bool MsiIsMsix { get; set; }

    public EventFdFile? Error { get; set; }

    public EventFdFile? Request { get; set; }

    /// <summary>The device raised or lowered INTx: delivered when enabled and unmasked, then masked until the user unmasks.</summary>
    public void SetIntxLine(bool asserted)
    {
        IntxLine = asserted;
        DeliverIntx();
    }

    public bool TriggerMsi(int vector)
    {
        if (Msi is not { } vectors)
        {
            return false;
        }

        if (vector < vectors.Length)
        {
            vectors[vector]?.Signal();
        }

        return true;
    }

    public void Unmask()
    {
        IntxMasked = false;
        DeliverIntx();
    }

    public void DisableAll()
    {
        Intx = null;
        IntxEnabled = false;
        IntxMasked = false;
        Msi = null;
        Error = null;
        Request = null;
    }

    private void DeliverIntx()
    {
        if (IntxLine && IntxEnabled && !IntxMasked)
        {
            IntxMasked = true;
            Intx?.Signal();
        }
    }
}
