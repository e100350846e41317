using System.Runtime.InteropServices;
using VfioSharp.Devices;
using VfioSharp.Handles;
using VfioSharp.Kernel;
using VfioSharp.Uapi;

namespace VfioSharp.Interrupts;

/// <summary>
/// Interrupts of one index (INTx, MSI, MSI-X, ERR, REQ) routed to eventfds, one per vector. Dispose disables
/// them in the device and closes the eventfds.
/// </summary>
public sealed unsafe class InterruptSet : IDisposable
{
    private readonly VfioDevice _device;
    private bool _disposed;

    private InterruptSet(VfioDevice device, uint index, InterruptVector[] vectors)
    {
        _device = device;
        Index = index;
        Vectors = vectors;
    }

    /// <summary>The VFIO interrupt index (VFIO_PCI_*_IRQ_INDEX).</summary>
    public uint Index { get; }

    /// <summary>The vectors, in order.</summary>
    public IReadOnlyList<InterruptVector> Vectors { get; }

    /// <summary>Unmasks INTx after it was handled (VFIO masks it when it fires: level-triggered).</summary>
    /// <exception cref="VfioException">The kernel refused.</exception>
    public void Unmask()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var set = new vfio_irq_set { flags = (uint)(vfio.VFIO_IRQ_SET_DATA_NONE | vfio.VFIO_IRQ_SET_ACTION_UNMASK), index = Index, start = 0, count = 1 };
        VfioException.ThrowIfFailed(_device.Handle.TryVFIO_DEVICE_SET_IRQS(ref set), $"unmasking interrupt index {Index} of {_device}");
    }

    /// <summary>Disables the interrupts and closes their eventfds.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        var set = new vfio_irq_set { flags = (uint)(vfio.VFIO_IRQ_SET_DATA_NONE | vfio.VFIO_IRQ_SET_ACTION_TRIGGER), index = Index, start = 0, count = 0 };
        if (Index is vfio.VFIO_PCI_ERR_IRQ_INDEX or vfio.VFIO_PCI_REQ_IRQ_INDEX)
        {
            // ERR and REQ are switched off by registering fd -1.
            _ = Enable(_device, Index, [-1]);
        }
        else if (!_device.Handle.IsClosed)
        {
            _ = _device.Handle.TryVFIO_DEVICE_SET_IRQS(ref set);
        }

        foreach (var vector in Vectors)
        {
            vector.EventFd.Dispose();
        }

        _device.InterruptsReleased(this);
    }

    /// <summary>Creates one eventfd per vector and routes the vectors to them; undoes everything on failure.</summary>
    internal static InterruptSet Create(VfioDevice device, uint index, int count)
    {
        var kernel = device.Vfio.Kernel;
        var handles = new List<GenericFileHandle>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var fd = kernel.EventFd(0, EventFdFlags.CloseOnExec | EventFdFlags.NonBlocking);
                VfioException.ThrowIfFailed(fd, $"creating the eventfd for vector {i} of interrupt index {index} of {device}");
                handles.Add(new GenericFileHandle(kernel, fd));
            }

            var fds = handles.Select(h => h.DangerousGetFd()).ToArray();
            VfioException.ThrowIfFailed(Enable(device, index, fds), $"routing interrupt index {index} ({count} vectors) of {device} to eventfds");
            return new InterruptSet(device, index, handles.Select((h, i) => new InterruptVector(h, i)).ToArray());
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

    private static long Enable(VfioDevice device, uint index, int[] fds)
    {
        var size = sizeof(vfio_irq_set) + (fds.Length * sizeof(int));
        var buffer = stackalloc byte[size];
        ref var set = ref *(vfio_irq_set*)buffer;
        set = new vfio_irq_set { argsz = (uint)size, flags = (uint)(vfio.VFIO_IRQ_SET_DATA_EVENTFD | vfio.VFIO_IRQ_SET_ACTION_TRIGGER), index = index, start = 0, count = (uint)fds.Length };
        MemoryMarshal.Cast<int, byte>(fds).CopyTo(new Span<byte>(buffer + sizeof(vfio_irq_set), fds.Length * sizeof(int)));
        return device.Handle.TryVFIO_DEVICE_SET_IRQS(ref set, setSize: false);
    }
}
