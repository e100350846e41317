using System.Globalization;
using VfioSharp.Containers;
using VfioSharp.Devices;
using VfioSharp.Handles;
using VfioSharp.Kernel;
using VfioSharp.Lifecycle;
using VfioSharp.Modes;
using VfioSharp.Pci;
using VfioSharp.Uapi;

namespace VfioSharp.Groups;

/// <summary>
/// An IOMMU group in the group modes (<c>/dev/vfio/N</c>, or <c>/dev/vfio/noiommu-N</c>): it joins a container,
/// and its devices are opened through it. It owns the devices it opened: disposing it releases them first, so
/// leaving the container never meets EBUSY.
/// </summary>
[StateMachine(typeof(GroupState), GroupState.Open)]
public sealed class VfioGroup : IDisposable
{
    private readonly Lifecycle<VfioGroup, GroupState> _lifecycle;
    private readonly List<VfioDevice> _devices = [];
    private VfioContainer? _container;

    private readonly Vfio _vfio;
    private readonly int _number;
    private readonly string _path;

    private VfioGroup(Vfio vfio, int number, string path, GroupHandle handle)
    {
        _vfio = vfio;
        _number = number;
        _path = path;
        Handle = handle;
        _lifecycle = new Lifecycle<VfioGroup, GroupState>(Describe);
    }

    /// <summary>The runtime it belongs to.</summary>
    [RequiresState(GroupState.Open, GroupState.InContainer)]
    public Vfio Vfio
    {
        get
        {
            _lifecycle.Require();
            return _vfio;
        }
    }

    /// <summary>The IOMMU group number.</summary>
    [RequiresState(GroupState.Open, GroupState.InContainer)]
    public int Number
    {
        get
        {
            _lifecycle.Require();
            return _number;
        }
    }

    /// <summary>The group's node.</summary>
    [RequiresState(GroupState.Open, GroupState.InContainer)]
    public string Path
    {
        get
        {
            _lifecycle.Require();
            return _path;
        }
    }

    /// <summary>The group's state: asked in any state, Released included.</summary>
    [RequiresState(GroupState.Open, GroupState.InContainer, GroupState.Released)]
    public GroupState State => _lifecycle.State;

    internal GroupHandle Handle { get; }

    /// <summary>Whether <see cref="Vfio.OpenDevice"/> opened this group: then it closes when its last device is released.</summary>
    internal bool OwnedByRuntime { get; set; }

    /// <summary>The devices open through this group.</summary>
    internal int DeviceCount
    {
        get
        {
            lock (_lifecycle.Gate)
            {
                return _devices.Count;
            }
        }
    }

    /// <summary>The container the group is in, or null.</summary>
    internal VfioContainer? ContainerOrNull => _container;

    /// <summary>Opens group <paramref name="number"/> and checks it is viable (every device in it bound to vfio-pci).</summary>
    /// <param name="vfio">The runtime (in a group mode).</param>
    /// <param name="number">The IOMMU group number (<see cref="Vfio.GetDeviceInfo"/> finds it).</param>
    /// <returns>The group, open.</returns>
    /// <exception cref="VfioException">The node can't be opened (the advice says why) or the group is not viable.</exception>
    [ReturnsState(GroupState.Open)]
    public static VfioGroup Open(Vfio vfio, int number)
    {
        ArgumentNullException.ThrowIfNull(vfio);
        if (vfio.Mode is not (VfioMode.Group or VfioMode.NoIommuGroup))
        {
            throw new InvalidOperationException($"IOMMU groups are for the group modes; this runtime is in {vfio.Mode} mode.");
        }

        var path = (vfio.Mode == VfioMode.NoIommuGroup ? "/dev/vfio/noiommu-" : "/dev/vfio/") + number.ToString(CultureInfo.InvariantCulture);
        var fd = vfio.Kernel.Open(path, OpenFlags.ReadWrite | OpenFlags.CloseOnExec);
        if (fd < 0)
        {
            throw VfioException.FromOpen(fd, path, $"opening IOMMU group {number.ToString(CultureInfo.InvariantCulture)}");
        }

        var group = new VfioGroup(vfio, number, path, new GroupHandle(vfio.Kernel, fd));
        var status = default(vfio_group_status);
        var result = group.Handle.TryVFIO_GROUP_GET_STATUS(ref status);
        if (result < 0 || (status.flags & Uapi.vfio.VFIO_GROUP_FLAGS_VIABLE) == 0)
        {
            group.Handle.Dispose();
            if (result < 0)
            {
                throw VfioException.From(result, $"reading the status of {path} (fd {fd})");
            }

            throw new VfioException($"using IOMMU group {number}: it is not viable", advice: "every device in the group must be bound to vfio-pci (or to no driver): " + vfio.DescribeGroupMembers(number));
        }

        return group;
    }

    /// <summary>Puts the group in <paramref name="container"/>; the first group of a container sets its IOMMU.</summary>
    /// <param name="container">A group-mode container.</param>
    /// <exception cref="InvalidStateException">The group is already in a container, or released.</exception>
    /// <exception cref="VfioException">The kernel refused.</exception>
    [RequiresState(GroupState.Open)]
    [TransitionsTo(GroupState.InContainer)]
    public void SetContainer(VfioContainer container)
    {
        ArgumentNullException.ThrowIfNull(container);
        lock (_lifecycle.Gate)
        {
            _lifecycle.Require();
            if (!ReferenceEquals(container.Owner, _vfio))
            {
                throw new ArgumentException("the container belongs to another Vfio runtime", nameof(container));
            }

            var containerFd = container.Handle?.DangerousGetFd() ?? throw new ArgumentException($"{container.Describe()} is not a group-mode container", nameof(container));
            VfioException.ThrowIfFailed(Handle.TryVFIO_GROUP_SET_CONTAINER(containerFd), $"putting {Describe()} in {container.Describe()}");
            try
            {
                container.GroupJoined(this);
            }
            catch
            {
                _ = Handle.TryVFIO_GROUP_UNSET_CONTAINER();
                container.GroupLeft(this);
                throw;
            }

            _container = container;
            _lifecycle.Complete();
        }
    }

    /// <summary>Opens a device of this group (VFIO_GROUP_GET_DEVICE_FD).</summary>
    /// <param name="address">The device's PCI address.</param>
    /// <returns>The device, ready to use.</returns>
    /// <exception cref="InvalidStateException">The group is not in a container.</exception>
    /// <exception cref="VfioException">The kernel refused (ENODEV: not in this group).</exception>
    [RequiresState(GroupState.InContainer, MissingStep = "VfioGroup.SetContainer")]
    [ReturnsState(DeviceState.Attached)]
    public VfioDevice OpenDevice(PciAddress address)
    {
        lock (_lifecycle.Gate)
        {
            _lifecycle.Require();
            var result = Handle.TryVFIO_GROUP_GET_DEVICE_FD(address.ToString(), out var handle);
            VfioException.ThrowIfFailed(result, $"opening device {address} through {Describe()}");
            var device = new VfioDevice(_vfio, address, handle!, this, _container!);
            _devices.Add(device);
            return device;
        }
    }

    /// <summary>Releases the group's devices, leaves the container and closes the group.</summary>
    [TransitionsTo(GroupState.Released)]
    public void Dispose()
    {
        VfioDevice[] devices;
        lock (_lifecycle.Gate)
        {
            devices = [.. _devices];
        }

        foreach (var device in devices)
        {
            device.Dispose();
        }

        lock (_lifecycle.Gate)
        {
            if (State == GroupState.Released)
            {
                return;
            }

            if (_container is { } container)
            {
                _ = Handle.TryVFIO_GROUP_UNSET_CONTAINER();
                container.GroupLeft(this);
                _container = null;
            }

            Handle.Dispose();
            _lifecycle.Complete();
        }

        _vfio.Forget(this);
    }

    /// <summary>A device of this group was released; a group the runtime opened closes with its last device.</summary>
    internal void DeviceReleased(VfioDevice device)
    {
        bool idle;
        lock (_lifecycle.Gate)
        {
            _devices.Remove(device);
            idle = _devices.Count == 0 && OwnedByRuntime && State != GroupState.Released;
        }

        // Outside the group's lock: the runtime takes its own lock first, then the group's (as OpenDevice does).
        if (idle)
        {
            _vfio.GroupIdle(this);
        }
    }

    private string Describe() => $"IOMMU group {_number} ({_path}, fd {Handle.DangerousGetFd()}, {State})";
}
