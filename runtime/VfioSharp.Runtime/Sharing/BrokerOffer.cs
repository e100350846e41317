using VfioSharp.Containers;
using VfioSharp.Devices;
using VfioSharp.Modes;
using VfioSharp.Pci;

namespace VfioSharp.Sharing;

/// <summary>
/// What a <see cref="VfioBroker"/> hands out: the DMA space (a container fd in group modes; an iommufd fd and the
/// IOAS id in cdev modes) and device fds by PCI address. The offer borrows the descriptors: whoever set them up
/// keeps them open while the broker serves (a worker receives duplicates through SCM_RIGHTS).
/// </summary>
public sealed class BrokerOffer
{
    private readonly Dictionary<PciAddress, int> _devices = [];

    /// <summary>An offer of raw descriptors: what <see cref="From"/> builds from runtime objects, or stand-ins in protocol tests.</summary>
    /// <param name="mode">The broker's mode: the worker's runtime must be in the same one.</param>
    /// <param name="dmaSpaceFd">The container fd (group modes) or iommufd fd (cdev modes).</param>
    /// <param name="ioasId">The IOAS id in cdev mode, null otherwise.</param>
    public BrokerOffer(VfioMode mode, int dmaSpaceFd, uint? ioasId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(dmaSpaceFd);
        Mode = mode;
        DmaSpaceFd = dmaSpaceFd;
        IoasId = ioasId;
    }

    /// <summary>The broker's mode.</summary>
    public VfioMode Mode { get; }

    /// <summary>The container fd (group modes) or iommufd fd (cdev modes).</summary>
    public int DmaSpaceFd { get; }

    /// <summary>The IOAS id in cdev mode.</summary>
    public uint? IoasId { get; }

    /// <summary>The device fds offered, by PCI address.</summary>
    public IReadOnlyDictionary<PciAddress, int> Devices => _devices;

    /// <summary>Offers the broker runtime's <paramref name="container"/> (set up: <see cref="ContainerState.Ready"/>) and <paramref name="devices"/> attached to it.</summary>
    /// <param name="container">The container or IOAS; in group modes a group must have joined it (its IOMMU is set).</param>
    /// <param name="devices">Devices attached to <paramref name="container"/> (in no-IOMMU cdev mode: bound to it).</param>
    /// <returns>The offer.</returns>
    /// <exception cref="ArgumentException">The container is not ready, or a device is not attached to it.</exception>
    public static BrokerOffer From(VfioContainer container, params IEnumerable<VfioDevice> devices)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(devices);
        if (container.State != ContainerState.Ready)
        {
            throw new ArgumentException($"{container.Describe()} is not Ready: a broker shares a DMA space after its setup (a group joined, IOMMU set), so a worker never repeats it", nameof(container));
        }

        var fd = container.Mode is VfioMode.Group or VfioMode.NoIommuGroup ? container.Handle!.DangerousGetFd() : container.Iommufd!.DangerousGetFd();
        var offer = new BrokerOffer(container.Mode, fd, container.IoasId);
        foreach (var device in devices)
        {
            // A no-IOMMU cdev is bound to the iommufd and never attached: it has no IOAS to attach to.
            var setUp = device.State == DeviceState.Attached || (container.Mode == VfioMode.NoIommuCdev && device.State == DeviceState.Bound);
            if (!setUp || !ReferenceEquals(device.Container, container))
            {
                throw new ArgumentException($"{device} is not attached to {container.Describe()}", nameof(devices));
            }

            offer.AddDevice(device.Address, device.Handle.DangerousGetFd());
        }

        return offer;
    }

    /// <summary>Offers a device fd.</summary>
    /// <param name="address">The device's PCI address, which workers ask by.</param>
    /// <param name="fd">The device fd (group: from VFIO_GROUP_GET_DEVICE_FD; cdev: bound and attached).</param>
    public void AddDevice(PciAddress address, int fd)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fd);
        _devices[address] = fd;
    }
}
