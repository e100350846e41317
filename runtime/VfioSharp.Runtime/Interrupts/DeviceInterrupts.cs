using System.Diagnostics.CodeAnalysis;
using VfioSharp.Devices;
using VfioSharp.Uapi;

namespace VfioSharp.Interrupts;

/// <summary>
/// The interrupts of a device (<see cref="VfioDevice.Interrupts"/>): what each index offers, and enabling an
/// index with one eventfd per vector (<see cref="InterruptSet"/>), unmasking INTx, disabling.
/// </summary>
/// <remarks>
/// vfio-pci enables one of INTx, MSI and MSI-X at a time (enabling another while one is on is EINVAL); ERR (PCIe
/// only) and REQ are independent of them. An index is enabled once: disable it before enabling it again (with a
/// different count, say). Every eventfd is closed when its set is disabled, when a step of enabling fails, and when
/// the device is released. Every member checks the device's state (a released device throws
/// <see cref="Lifecycle.InvalidStateException"/>) and may be called from any thread.
/// </remarks>
public sealed class DeviceInterrupts
{
    private readonly VfioDevice _device;
    private readonly Dictionary<uint, InterruptSet> _enabled = [];

    internal DeviceInterrupts(VfioDevice device)
    {
        _device = device;
    }

    /// <summary>What an interrupt index offers (VFIO_DEVICE_GET_IRQ_INFO).</summary>
    /// <param name="index">The index (VFIO_PCI_*_IRQ_INDEX).</param>
    /// <returns>The info.</returns>
    /// <exception cref="VfioException">The device has no such index (EINVAL: ERR on conventional PCI, or past the last index).</exception>
    public IrqInfo GetInfo(uint index)
    {
        var result = TryGetInfo(index, out var info);
        VfioException.ThrowIfFailed(result, $"reading the info of {IrqInfo.IndexName(index)} of {_device}");
        return info!;
    }

    /// <summary>What an interrupt index offers, or why the kernel refused (-errno), without throwing.</summary>
    /// <param name="index">The index.</param>
    /// <param name="info">The info when the result is 0.</param>
    /// <returns>0, or <c>-errno</c> (EINVAL for an index the device does not have).</returns>
    public long TryGetInfo(uint index, [NotNullWhen(true)] out IrqInfo? info)
    {
        lock (_device.Lifecycle.Gate)
        {
            Require();
            var reply = new vfio_irq_info { index = index };
            var result = _device.Handle.TryVFIO_DEVICE_GET_IRQ_INFO(ref reply);
            info = result < 0 ? null : new IrqInfo(reply.index, reply.flags, reply.count);
            return result < 0 ? result : 0;
        }
    }

    /// <summary>The set enabled at <paramref name="index"/>, or null.</summary>
    /// <param name="index">The index.</param>
    /// <returns>The set.</returns>
    public InterruptSet? GetEnabled(uint index)
    {
        lock (_device.Lifecycle.Gate)
        {
            Require();
            return _enabled.GetValueOrDefault(index);
        }
    }

    /// <summary>Enables INTx (one vector); vfio-pci masks it each time it fires: <see cref="Unmask"/> after handling it.</summary>
    /// <returns>The set.</returns>
    /// <exception cref="VfioException">The kernel refused (EINVAL while MSI or MSI-X is enabled).</exception>
    public InterruptSet EnableIntx() => Enable(vfio.VFIO_PCI_INTX_IRQ_INDEX, 1);

    /// <summary>Enables <paramref name="count"/> MSI vectors (at most <see cref="IrqInfo.Count"/>; vfio-pci rounds up to a power of two in the device).</summary>
    /// <param name="count">The number of vectors.</param>
    /// <returns>The set.</returns>
    /// <exception cref="VfioException">The kernel refused (EINVAL: too many vectors, or INTx/MSI-X enabled).</exception>
    public InterruptSet EnableMsi(int count = 1) => Enable(vfio.VFIO_PCI_MSI_IRQ_INDEX, count);

    /// <summary>Enables <paramref name="count"/> MSI-X vectors.</summary>
    /// <param name="count">The number of vectors.</param>
    /// <returns>The set.</returns>
    /// <exception cref="VfioException">The kernel refused (EINVAL: no MSI-X, too many vectors, or INTx/MSI enabled).</exception>
    public InterruptSet EnableMsix(int count) => Enable(vfio.VFIO_PCI_MSIX_IRQ_INDEX, count);

    /// <summary>Routes AER error notifications (the ERR index, PCIe devices only) to an eventfd.</summary>
    /// <returns>The set.</returns>
    /// <exception cref="VfioException">The kernel refused (EINVAL on conventional PCI).</exception>
    public InterruptSet EnableError() => Enable(vfio.VFIO_PCI_ERR_IRQ_INDEX, 1);

    /// <summary>
    /// Routes the kernel's device requests (the REQ index: someone wants the device back, e.g. to unbind it from
    /// vfio-pci; release it promptly) to an eventfd.
    /// </summary>
    /// <returns>The set.</returns>
    /// <exception cref="VfioException">The kernel refused.</exception>
    public InterruptSet EnableRequest() => Enable(vfio.VFIO_PCI_REQ_IRQ_INDEX, 1);

    /// <summary>Enables <paramref name="count"/> vectors of an index, each to a new eventfd.</summary>
    /// <param name="index">The index (VFIO_PCI_*_IRQ_INDEX).</param>
    /// <param name="count">The number of vectors (1 for INTx, ERR, REQ).</param>
    /// <returns>The set; dispose it to disable the index.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not positive.</exception>
    /// <exception cref="InvalidOperationException">The index is enabled already.</exception>
    /// <exception cref="VfioException">The kernel refused (nothing stays open).</exception>
    public InterruptSet Enable(uint index, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        lock (_device.Lifecycle.Gate)
        {
            Require();
            if (_enabled.TryGetValue(index, out var enabled))
            {
                throw new InvalidOperationException($"{enabled} is enabled already: disable it before enabling {IrqInfo.IndexName(index)} again");
            }

            var set = InterruptSet.Create(_device, this, index, count, () => AdviceOnRefusal(index, count));
            _enabled.Add(index, set);
            return set;
        }
    }

    /// <summary>Unmasks INTx (<see cref="InterruptSet.Unmask"/>).</summary>
    /// <exception cref="InvalidOperationException">INTx is not enabled.</exception>
    /// <exception cref="VfioException">The kernel refused.</exception>
    public void Unmask() => Intx().Unmask();

    /// <summary>Masks INTx (<see cref="InterruptSet.Mask"/>).</summary>
    /// <exception cref="InvalidOperationException">INTx is not enabled.</exception>
    /// <exception cref="VfioException">The kernel refused.</exception>
    public void Mask() => Intx().Mask();

    /// <summary>Disables an index if it is enabled, closing its eventfds.</summary>
    /// <param name="index">The index.</param>
    /// <returns>Whether it was enabled.</returns>
    public bool Disable(uint index)
    {
        InterruptSet? set;
        lock (_device.Lifecycle.Gate)
        {
            Require();
            set = _enabled.GetValueOrDefault(index);
        }

        set?.Dispose();
        return set is not null;
    }

    /// <summary>Disables every enabled index, closing their eventfds.</summary>
    public void DisableAll()
    {
        lock (_device.Lifecycle.Gate)
        {
            Require();
            Release();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"interrupts of {_device}";

    /// <summary>Disables every enabled index: the device is being released.</summary>
    internal void Release()
    {
        InterruptSet[] sets;
        lock (_device.Lifecycle.Gate)
        {
            sets = [.. _enabled.Values];
        }

        foreach (var set in sets)
        {
            set.Dispose();
        }
    }

    /// <summary>A set was disabled (the caller holds the gate).</summary>
    internal void Forget(InterruptSet set)
    {
        lock (_device.Lifecycle.Gate)
        {
            if (_enabled.TryGetValue(set.Index, out var known) && ReferenceEquals(known, set))
            {
                _enabled.Remove(set.Index);
            }
        }
    }

    /// <summary>Throws <see cref="Lifecycle.InvalidStateException"/> when the device was released; cheap otherwise.</summary>
    internal void RequireDevice()
    {
        if (_device.Lifecycle.State == DeviceState.Released)
        {
            Require();
        }
    }

    private void Require() => _device.Lifecycle.Require(nameof(VfioDevice.Interrupts));

    private InterruptSet Intx()
        => GetEnabled(vfio.VFIO_PCI_INTX_IRQ_INDEX) ?? throw new InvalidOperationException($"INTx of {_device} is not enabled: call EnableIntx first");

    /// <summary>Why vfio-pci said EINVAL to enabling an index, from what the runtime knows and the index's info.</summary>
    private string? AdviceOnRefusal(uint index, int count)
    {
        var exclusive = new[] { vfio.VFIO_PCI_INTX_IRQ_INDEX, vfio.VFIO_PCI_MSI_IRQ_INDEX, vfio.VFIO_PCI_MSIX_IRQ_INDEX };
        if (Array.IndexOf(exclusive, index) >= 0)
        {
            foreach (var other in exclusive)
            {
                if (other != index && _enabled.TryGetValue(other, out var enabled))
                {
                    return $"{enabled} is enabled, and vfio-pci enables one of INTx, MSI and MSI-X at a time: disable it first";
                }
            }
        }

        var reply = new vfio_irq_info { index = index };
        var result = _device.Handle.TryVFIO_DEVICE_GET_IRQ_INFO(ref reply);
        if (result < 0 || reply.count == 0)
        {
            return $"the device has no {IrqInfo.IndexName(index)} interrupts";
        }

        return count > reply.count ? $"the device has {reply.count} {IrqInfo.IndexName(index)} vector(s), fewer than {count}" : null;
    }
}
