using System.Buffers.Binary;
using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.EventFds;
using VfioSharp.Uapi;

namespace VfioSharp.Simulation.Pci;

/// <summary>
/// vfio-pci's interrupt state of one device and the VFIO_DEVICE_SET_IRQS handlers behind the header checks
/// (<c>drivers/vfio/pci/vfio_pci_intrs.c</c>, v6.17): one interrupt type at a time (INTx, MSI or MSI-X), INTx
/// automasked on delivery until the user unmasks it, the ERR and REQ triggers, each delivered to the eventfd
/// the user registered. vfio-pci holds a reference to each eventfd, so closing the user's descriptor does not
/// stop delivery.
/// </summary>
internal sealed class VfioPciInterrupts(SimulatedKernel kernel, SimulatedPciDevice device)
{
    private const uint None = vfio.VFIO_PCI_NUM_IRQS;
    private const uint DataNone = vfio.VFIO_IRQ_SET_DATA_NONE;
    private const uint DataBool = vfio.VFIO_IRQ_SET_DATA_BOOL;
    private const uint DataEventFd = vfio.VFIO_IRQ_SET_DATA_EVENTFD;

    private EventFdFile?[] _vectors = [];

    /// <summary>The enabled type: an IRQ index, or VFIO_PCI_NUM_IRQS for none (<c>vdev-&gt;irq_type</c>).</summary>
    public uint Type { get; private set; } = None;

    public EventFdFile? IntxTrigger { get; private set; }

    /// <summary>The eventfd registered with INTx ACTION_UNMASK (an irqfd-style unmask; the simulation keeps it but a write to it does not unmask).</summary>
    public EventFdFile? IntxUnmaskEventFd { get; private set; }

    public bool IntxMasked { get; private set; }

    /// <summary>INTx disabled by the user through the virtual command register (<c>vdev-&gt;virq_disabled</c>).</summary>
    public bool VirqDisabled { get; private set; }

    public EventFdFile? ErrorTrigger { get; private set; }

    public EventFdFile? RequestTrigger { get; private set; }

    /// <summary>The number of MSI/MSI-X vectors enabled (<c>num_ctx</c>).</summary>
    public int VectorCount => _vectors.Length;

    /// <summary>log2 of the enabled MSI vectors, rounded up (<c>vdev-&gt;msi_qmax</c>).</summary>
    public int MsiQueueMax { get; private set; }

    /// <summary>The eventfd of an MSI/MSI-X vector, if one is registered.</summary>
    public EventFdFile? Vector(int vector) => vector < _vectors.Length ? _vectors[vector] : null;

    /// <summary>The INTx line reached vfio-pci's handler: deliver when enabled and unmasked, then mask until the user unmasks.</summary>
    public void OnIntxLine(bool asserted)
    {
        if (asserted && Type == vfio.VFIO_PCI_INTX_IRQ_INDEX && !IntxMasked)
        {
            IntxMasked = true;
            SignalIntx();
        }
    }

    /// <summary>The device sent an MSI message.</summary>
    public void OnMsi(int vector)
    {
        if (Type is vfio.VFIO_PCI_MSI_IRQ_INDEX or vfio.VFIO_PCI_MSIX_IRQ_INDEX)
        {
            Vector(vector)?.Signal();
        }
    }

    /// <summary>The user set or cleared DisINTx in the virtual command register.</summary>
    public void SetVirqDisabled(bool disabled)
    {
        if (disabled && !VirqDisabled)
        {
            VirqDisabled = true;
            Mask();
        }
        else if (!disabled && VirqDisabled)
        {
            VirqDisabled = false;
            Unmask();
        }
    }

    /// <summary>vfio_pci_set_irqs_ioctl: the handler for index and action, or ENOTTY when there is none.</summary>
    public long Set(uint flags, uint index, uint start, uint count, ReadOnlySpan<byte> data)
    {
        var action = flags & (uint)vfio.VFIO_IRQ_SET_ACTION_TYPE_MASK;
        return (index, action) switch
        {
            (vfio.VFIO_PCI_INTX_IRQ_INDEX, (uint)vfio.VFIO_IRQ_SET_ACTION_MASK) => SetIntxMask(start, count, flags, data),
            (vfio.VFIO_PCI_INTX_IRQ_INDEX, (uint)vfio.VFIO_IRQ_SET_ACTION_UNMASK) => SetIntxUnmask(start, count, flags, data),
            (vfio.VFIO_PCI_INTX_IRQ_INDEX, (uint)vfio.VFIO_IRQ_SET_ACTION_TRIGGER) => SetIntxTrigger(start, count, flags, data),

            // MSI and MSI-X masking is not implemented by vfio-pci ("XXX Need masking support exported").
            (vfio.VFIO_PCI_MSI_IRQ_INDEX or vfio.VFIO_PCI_MSIX_IRQ_INDEX, (uint)vfio.VFIO_IRQ_SET_ACTION_TRIGGER) => SetMsiTrigger(index, start, count, flags, data),
            (vfio.VFIO_PCI_ERR_IRQ_INDEX, (uint)vfio.VFIO_IRQ_SET_ACTION_TRIGGER) when device.IsPciExpress || kernel.Options.OffersErrToConventionalPci => SetSingleTrigger(isError: true, start, count, flags, data),
            (vfio.VFIO_PCI_REQ_IRQ_INDEX, (uint)vfio.VFIO_IRQ_SET_ACTION_TRIGGER) => SetSingleTrigger(isError: false, start, count, flags, data),
            _ => -LinuxErrno.ENOTTY,
        };
    }

    /// <summary>What vfio_pci_core_disable does on the last close: the enabled type off, ERR and REQ released.</summary>
    public void DisableAll()
    {
        if (Type == vfio.VFIO_PCI_INTX_IRQ_INDEX)
        {
            DisableIntx();
        }
        else if (Type != None)
        {
            DisableMsi();
        }

        ErrorTrigger = null;
        RequestTrigger = null;
        VirqDisabled = false;
    }

    private long SetIntxMask(uint start, uint count, uint flags, ReadOnlySpan<byte> data)
    {
        if (Type != vfio.VFIO_PCI_INTX_IRQ_INDEX || start != 0 || count != 1)
        {
            return -LinuxErrno.EINVAL;
        }

        if ((flags & DataNone) != 0 || ((flags & DataBool) != 0 && data[0] != 0))
        {
            Mask();
        }
        else if ((flags & DataEventFd) != 0)
        {
            // "XXX implement me" in vfio_pci_set_intx_mask.
            return -LinuxErrno.ENOTTY;
        }

        return 0;
    }

    private long SetIntxUnmask(uint start, uint count, uint flags, ReadOnlySpan<byte> data)
    {
        if (Type != vfio.VFIO_PCI_INTX_IRQ_INDEX || start != 0 || count != 1)
        {
            return -LinuxErrno.EINVAL;
        }

        if ((flags & DataNone) != 0 || ((flags & DataBool) != 0 && data[0] != 0))
        {
            Unmask();
        }
        else if ((flags & DataEventFd) != 0)
        {
            var fd = BinaryPrimitives.ReadInt32LittleEndian(data);
            if (fd < 0)
            {
                IntxUnmaskEventFd = null;
                return 0;
            }

            var got = EventFdOf(fd, out var eventFd);
            if (got != 0)
            {
                return got;
            }

            IntxUnmaskEventFd = eventFd;
        }

        return 0;
    }

    private long SetIntxTrigger(uint start, uint count, uint flags, ReadOnlySpan<byte> data)
    {
        var isIntx = Type == vfio.VFIO_PCI_INTX_IRQ_INDEX;
        if (isIntx && count == 0 && (flags & DataNone) != 0)
        {
            DisableIntx();
            return 0;
        }

        if (!(isIntx || Type == None) || start != 0 || count != 1)
        {
            return -LinuxErrno.EINVAL;
        }

        if ((flags & DataEventFd) != 0)
        {
            EventFdFile? trigger = null;
            var fd = BinaryPrimitives.ReadInt32LittleEndian(data);
            if (fd >= 0)
            {
                var got = EventFdOf(fd, out trigger);
                if (got != 0)
                {
                    return got;
                }
            }

            // With fd -1 the kernel enables INTx without a trigger (or drops the trigger and keeps INTx enabled).
            IntxTrigger = trigger;
            if (!isIntx)
            {
                Type = vfio.VFIO_PCI_INTX_IRQ_INDEX;
                IntxMasked = VirqDisabled;

                // request_irq on a level-triggered line the function already asserts runs the handler at once.
                OnIntxLine(device.InterruptLine);
            }

            return 0;
        }

        if (!isIntx)
        {
            return -LinuxErrno.EINVAL;
        }

        // Loopback: DATA_NONE, or DATA_BOOL true, signals the trigger as an interrupt would.
        if ((flags & DataNone) != 0 || data[0] != 0)
        {
            SignalIntx();
        }

        return 0;
    }

    private long SetMsiTrigger(uint index, uint start, uint count, uint flags, ReadOnlySpan<byte> data)
    {
        var msix = index == vfio.VFIO_PCI_MSIX_IRQ_INDEX;
        if (Type == index && count == 0 && (flags & DataNone) != 0)
        {
            DisableMsi();
            return 0;
        }

        if (!(Type == index || Type == None))
        {
            return -LinuxErrno.EINVAL;
        }

        if ((flags & DataEventFd) != 0)
        {
            if (Type == index)
            {
                // Already enabled: the vector count is fixed until disabled (NORESIZE).
                return SetVectors(start, count, data);
            }

            var vectors = (int)(start + count);
            _vectors = new EventFdFile?[vectors];
            Type = index;
            if (!msix)
            {
                MsiQueueMax = System.Numerics.BitOperations.Log2((uint)((vectors * 2) - 1));
                device.SetMsi(enabled: true, MsiQueueMax);
            }

            var set = SetVectors(start, count, data);
            if (set != 0)
            {
                DisableMsi();
            }

            return set;
        }

        if (Type != index)
        {
            return -LinuxErrno.EINVAL;
        }

        for (var i = start; i < start + count; i++)
        {
            if ((flags & DataNone) != 0 || data[(int)(i - start)] != 0)
            {
                Vector((int)i)?.Signal();
            }
        }

        return 0;
    }

    /// <summary>vfio_msi_set_block: each vector's eventfd replaced in turn; on an error those already set are cleared.</summary>
    private long SetVectors(uint start, uint count, ReadOnlySpan<byte> data)
    {
        for (var i = 0; i < count; i++)
        {
            var vector = (int)start + i;
            if (vector >= _vectors.Length)
            {
                return RollBack(start, vector, -LinuxErrno.EINVAL);
            }

            _vectors[vector] = null;

            // Any negative fd only clears the vector.
            var fd = BinaryPrimitives.ReadInt32LittleEndian(data.Slice(i * 4));
            if (fd < 0)
            {
                continue;
            }

            var got = EventFdOf(fd, out var eventFd);
            if (got != 0)
            {
                return RollBack(start, vector, got);
            }

            _vectors[vector] = eventFd;
        }

        return 0;
    }

    private long RollBack(uint start, int failed, long errno)
    {
        for (var vector = failed - 1; vector >= (int)start; vector--)
        {
            _vectors[vector] = null;
        }

        return errno;
    }

    /// <summary>vfio_pci_set_ctx_trigger_single (ERR and REQ).</summary>
    private long SetSingleTrigger(bool isError, uint start, uint count, uint flags, ReadOnlySpan<byte> data)
    {
        if (start != 0 || count > 1)
        {
            return -LinuxErrno.EINVAL;
        }

        var current = isError ? ErrorTrigger : RequestTrigger;
        if ((flags & DataNone) != 0)
        {
            // Disabling (count 0) or looping back (count 1) needs a registered trigger: without one, EINVAL.
            if (current is null)
            {
                return -LinuxErrno.EINVAL;
            }

            if (count == 1)
            {
                current.Signal();
            }
            else
            {
                Replace(isError, null);
            }

            return 0;
        }

        if (count == 0)
        {
            return -LinuxErrno.EINVAL;
        }

        if ((flags & DataBool) != 0)
        {
            if (data[0] != 0)
            {
                current?.Signal();
            }

            return 0;
        }

        var fd = BinaryPrimitives.ReadInt32LittleEndian(data);
        if (fd == -1)
        {
            Replace(isError, null);
            return 0;
        }

        if (fd < 0)
        {
            return -LinuxErrno.EINVAL;
        }

        var got = EventFdOf(fd, out var eventFd);
        if (got != 0)
        {
            return got;
        }

        Replace(isError, eventFd);
        return 0;
    }

    private void Replace(bool isError, EventFdFile? trigger)
    {
        if (isError)
        {
            ErrorTrigger = trigger;
        }
        else
        {
            RequestTrigger = trigger;
        }
    }

    /// <summary>eventfd_ctx_fdget: EBADF for an fd that is not open, EINVAL for one that is not an eventfd.</summary>
    private long EventFdOf(int fd, out EventFdFile? eventFd)
    {
        eventFd = null;
        switch (kernel.FileOf(fd))
        {
            case null:
                return -LinuxErrno.EBADF;
            case EventFdFile file:
                eventFd = file;
                return 0;
            default:
                return -LinuxErrno.EINVAL;
        }
    }

    /// <summary>vfio_pci_intx_mask: masked until unmasked, whatever the line does.</summary>
    private void Mask()
    {
        if (Type == vfio.VFIO_PCI_INTX_IRQ_INDEX)
        {
            IntxMasked = true;
        }
    }

    /// <summary>vfio_pci_intx_unmask: a line still asserted is delivered again at once (and masks again).</summary>
    private void Unmask()
    {
        if (Type != vfio.VFIO_PCI_INTX_IRQ_INDEX || !IntxMasked || VirqDisabled)
        {
            return;
        }

        IntxMasked = false;
        OnIntxLine(device.InterruptLine);
    }

    private void SignalIntx()
    {
        if (Type == vfio.VFIO_PCI_INTX_IRQ_INDEX && !VirqDisabled)
        {
            IntxTrigger?.Signal();
        }
    }

    private void DisableIntx()
    {
        IntxTrigger = null;
        IntxUnmaskEventFd = null;
        IntxMasked = false;
        Type = None;
    }

    private void DisableMsi()
    {
        _vectors = [];
        MsiQueueMax = 0;
        device.SetMsi(enabled: false, 0);
        Type = None;
    }
}
