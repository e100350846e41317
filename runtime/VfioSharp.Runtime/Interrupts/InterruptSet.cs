using System.Runtime.InteropServices;
using VfioSharp.Devices;
using VfioSharp.Handles;
using VfioSharp.Kernel;
using VfioSharp.Uapi;

namespace VfioSharp.Interrupts;

/// <summary>
/// The enabled interrupts of one index (INTx, MSI, MSI-X, ERR, REQ), each vector routed to an eventfd of its own
/// (<see cref="DeviceInterrupts"/>). Dispose (or <see cref="Disable"/>) switches them off in the device, wakes
/// the waits under way and closes the eventfds.
/// </summary>
public sealed unsafe class InterruptSet : IDisposable
{
    private readonly VfioDevice _device;
    private readonly DeviceInterrupts _owner;
    private readonly InterruptVector[] _vectors;
    private int _disposed;

    private InterruptSet(VfioDevice device, DeviceInterrupts owner, uint index, GenericFileHandle[] eventFds)
    {
        _device = device;
        _owner = owner;
        Index = index;
        _vectors = new InterruptVector[eventFds.Length];
        for (var i = 0; i < eventFds.Length; i++)
        {
            _vectors[i] = new InterruptVector(this, eventFds[i], i);
        }
    }

    /// <summary>The VFIO interrupt index (VFIO_PCI_*_IRQ_INDEX).</summary>
    public uint Index { get; }

    /// <summary>The index's name (INTx, MSI, MSI-X, ERR, REQ).</summary>
    public string Name => IrqInfo.IndexName(Index);

    /// <summary>The vectors, in order.</summary>
    public IReadOnlyList<InterruptVector> Vectors => _vectors;

    /// <summary>Whether the set was disabled.</summary>
    public bool IsDisabled => Volatile.Read(ref _disposed) != 0;

    /// <summary>The device the interrupts belong to.</summary>
    internal VfioDevice Device => _device;

    /// <summary>
    /// Unmasks INTx after the driver handled it: vfio-pci masks INTx when it fires (level-triggered, it would fire
    /// again at once), so no further INTx arrives until this. Acknowledge the cause in the device first.
    /// </summary>
    /// <exception cref="VfioException">The kernel refused (ENOTTY for MSI/MSI-X, which are never masked by VFIO).</exception>
    public void Unmask() => MaskOrUnmask(vfio.VFIO_IRQ_SET_ACTION_UNMASK, "unmasking");

    /// <summary>Masks INTx (VFIO_IRQ_SET_ACTION_MASK): it stays pending in the device until <see cref="Unmask"/>.</summary>
    /// <exception cref="VfioException">The kernel refused.</exception>
    public void Mask() => MaskOrUnmask(vfio.VFIO_IRQ_SET_ACTION_MASK, "masking");

    /// <summary>Disables the interrupts and closes their eventfds: <see cref="Dispose"/>.</summary>
    public void Disable() => Dispose();

    /// <summary>
    /// Disables the interrupts in the device, ends the waits under way (they throw
    /// <see cref="ObjectDisposedException"/>, or <see cref="Lifecycle.InvalidStateException"/> when the device was
    /// released) and closes the eventfds once no wait uses them.
    /// </summary>
    public void Dispose()
    {
        lock (_device.Lifecycle.Gate)
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            // The kernel also disables every index when the device fd closes (vfio_pci_core_close_device), so a
            // refusal here leaves nothing enabled once the device is released; there is nothing to undo.
            _ = Index is vfio.VFIO_PCI_ERR_IRQ_INDEX or vfio.VFIO_PCI_REQ_IRQ_INDEX
                ? Route(_device, Index, [-1])
                : DisableInKernel(_device, Index);
            _owner.Forget(this);
        }

        foreach (var vector in _vectors)
        {
            vector.Close();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({_vectors.Length} vector(s)) of {_device}";

    /// <summary>
    /// Creates one eventfd per vector and routes the vectors to them (VFIO_DEVICE_SET_IRQS with DATA_EVENTFD |
    /// ACTION_TRIGGER); closes every eventfd it created when a step fails. The caller holds the device's gate.
    /// </summary>
    internal static InterruptSet Create(VfioDevice device, DeviceInterrupts owner, uint index, int count, Func<string?> adviceOnEinval)
    {
        var kernel = device.Kernel;
        var handles = new List<GenericFileHandle>(count);
        var name = IrqInfo.IndexName(index);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var fd = kernel.EventFd(0, EventFdFlags.CloseOnExec | EventFdFlags.NonBlocking);
                VfioException.ThrowIfFailed(fd, $"creating the eventfd of {name} vector {i} of {device}");
                handles.Add(new GenericFileHandle(kernel, fd));
            }

            var fds = new int[count];
            for (var i = 0; i < count; i++)
            {
                fds[i] = handles[i].DangerousGetFd();
            }

            var result = Route(device, index, fds);
            if (result < 0)
            {
                var step = $"routing {count} {name} vector(s) of {device} to eventfds";
                throw VfioException.From(result, step, result == -22 ? adviceOnEinval() : null);
            }

            return new InterruptSet(device, owner, index, [.. handles]);
        }
        catch
        {
            foreach (var handle in handles)
            {
                handle.Dispose();
            }

            throw;
        }
    }

    /// <summary>VFIO_DEVICE_SET_IRQS with DATA_EVENTFD | ACTION_TRIGGER for vectors 0..fds.Length-1 (fd -1 switches one off).</summary>
    private static long Route(VfioDevice device, uint index, int[] fds)
    {
        var size = sizeof(vfio_irq_set) + (fds.Length * sizeof(int));
        var buffer = stackalloc byte[size];

        // SAFETY: `buffer` holds `size` bytes: the record, then fds.Length ints, the layout SET_IRQS reads.
        ref var set = ref *(vfio_irq_set*)buffer;
        set = new vfio_irq_set { argsz = (uint)size, flags = (uint)(vfio.VFIO_IRQ_SET_DATA_EVENTFD | vfio.VFIO_IRQ_SET_ACTION_TRIGGER), index = index, start = 0, count = (uint)fds.Length };
        MemoryMarshal.Cast<int, byte>(fds).CopyTo(new Span<byte>(buffer + sizeof(vfio_irq_set), fds.Length * sizeof(int)));
        return device.Handle.TryVFIO_DEVICE_SET_IRQS(ref set, setSize: false);
    }

    /// <summary>DATA_NONE | ACTION_TRIGGER with count 0: how vfio_pci_set_intx_trigger and vfio_pci_set_msi_trigger disable an index.</summary>
    private static long DisableInKernel(VfioDevice device, uint index)
    {
        var set = new vfio_irq_set { flags = (uint)(vfio.VFIO_IRQ_SET_DATA_NONE | vfio.VFIO_IRQ_SET_ACTION_TRIGGER), index = index, start = 0, count = 0 };
        return device.Handle.TryVFIO_DEVICE_SET_IRQS(ref set);
    }

    private void MaskOrUnmask(int action, string verb)
    {
        _owner.RequireDevice();
        ObjectDisposedException.ThrowIf(IsDisabled, this);
        var set = new vfio_irq_set { flags = (uint)(vfio.VFIO_IRQ_SET_DATA_NONE | action), index = Index, start = 0, count = 1 };
        VfioException.ThrowIfFailed(_device.Handle.TryVFIO_DEVICE_SET_IRQS(ref set), $"{verb} {Name} of {_device}");
    }
}
