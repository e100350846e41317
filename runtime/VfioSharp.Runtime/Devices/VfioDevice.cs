using VfioSharp.Containers;
using VfioSharp.Groups;
using VfioSharp.Handles;
using VfioSharp.Interrupts;
using VfioSharp.Kernel;
using VfioSharp.Lifecycle;
using VfioSharp.Modes;
using VfioSharp.Pci;
using VfioSharp.Regions;
using VfioSharp.Uapi;

namespace VfioSharp.Devices;

/// <summary>
/// A device under VFIO: its info, regions (config space, BARs) with width-correct register access, interrupts
/// to eventfds, reset. Group devices come from <see cref="VfioGroup.OpenDevice"/> (or <see cref="Vfio.OpenDevice"/>);
/// cdev devices are opened, bound to an iommufd, then attached to an IOAS.
/// </summary>
[StateMachine(typeof(DeviceState), DeviceState.Open)]
public sealed class VfioDevice : IDisposable
{
    private readonly Lifecycle<VfioDevice, DeviceState> _lifecycle;
    private readonly DeviceRegions _regions;
    private readonly DeviceInterrupts _interrupts;
    private readonly VfioGroup? _group;
    private VfioContainer? _container;

    private readonly Vfio _vfio;
    private readonly PciAddress _address;

    internal VfioDevice(Vfio vfio, PciAddress address, DeviceHandle handle, VfioGroup? group, VfioContainer? container)
    {
        _vfio = vfio;
        _address = address;
        Handle = handle;
        _group = group;
        _container = container;
        _lifecycle = new Lifecycle<VfioDevice, DeviceState>(ToString);
        _regions = new DeviceRegions(this);
        _interrupts = new DeviceInterrupts(this);
        if (group is not null)
        {
            _lifecycle.MoveTo(DeviceState.Attached);
        }
    }

    /// <summary>A device fd another process set up (Sharing/VfioAdoption): bound and attached there already.</summary>
    internal void Adopted(VfioContainer container)
    {
        _container = container;
        _lifecycle.MoveTo(DeviceState.Attached);
    }

    /// <summary>The runtime it belongs to.</summary>
    [RequiresState(DeviceState.Open, DeviceState.Bound, DeviceState.Attached)]
    public Vfio Vfio
    {
        get
        {
            _lifecycle.Require();
            return _vfio;
        }
    }

    /// <summary>The device's PCI address.</summary>
    [RequiresState(DeviceState.Open, DeviceState.Bound, DeviceState.Attached)]
    public PciAddress Address
    {
        get
        {
            _lifecycle.Require();
            return _address;
        }
    }

    /// <summary>The device's state: asked in any state, Released included.</summary>
    [RequiresState(DeviceState.Open, DeviceState.Bound, DeviceState.Attached, DeviceState.Released)]
    public DeviceState State => _lifecycle.State;

    /// <summary>The container (DMA space) the device is bound or attached to, once it is.</summary>
    [RequiresState(DeviceState.Open, DeviceState.Bound, DeviceState.Attached)]
    public VfioContainer? Container
    {
        get
        {
            _lifecycle.Require();
            return _container;
        }
    }

    /// <summary>The kernel the device's fd belongs to (readable in any state, for the device's parts).</summary>
    internal IKernel Kernel => _vfio.Kernel;

    /// <summary>The device fd: regions, interrupts and reset (Regions/, Interrupts/) issue their ioctls on it.</summary>
    internal DeviceHandle Handle { get; }

    /// <summary>
    /// The device's state machine: the device's parts (regions, interrupts) hold <see cref="Lifecycle{TOwner, TState}.Gate"/>
    /// and call <c>Lifecycle.Require(nameof(VfioDevice.X))</c> with the device member they act for, so a released
    /// device refuses them too.
    /// </summary>
    internal Lifecycle<VfioDevice, DeviceState> Lifecycle => _lifecycle;

    /// <summary>Opens a device's cdev (<c>/dev/vfio/devices/vfioN</c>) without binding it.</summary>
    /// <param name="vfio">The runtime, in a cdev mode.</param>
    /// <param name="address">The device.</param>
    /// <returns>The device, <see cref="DeviceState.Open"/>.</returns>
    /// <exception cref="VfioException">The device has no cdev, or the node can't be opened.</exception>
    [ReturnsState(DeviceState.Open)]
    public static VfioDevice OpenCdev(Vfio vfio, PciAddress address)
    {
        ArgumentNullException.ThrowIfNull(vfio);
        var info = vfio.GetDeviceInfo(address);
        var cdev = info.CdevName ?? throw new VfioException($"opening the VFIO cdev of {address}", advice: "the device has no vfio-dev/vfioN in sysfs: is it bound to vfio-pci, and does the kernel have CONFIG_VFIO_DEVICE_CDEV?");
        var path = "/dev/vfio/devices/" + cdev;
        var fd = vfio.Kernel.Open(path, OpenFlags.ReadWrite | OpenFlags.CloseOnExec);
        if (fd < 0)
        {
            throw VfioException.FromOpen(fd, path, $"opening the VFIO cdev of {address}");
        }

        return new VfioDevice(vfio, address, new DeviceHandle(vfio.Kernel, fd), null, null);
    }

    /// <summary>Binds the cdev to the iommufd of <paramref name="container"/> (no-IOMMU cdevs too: the kernel refuses -1).</summary>
    /// <param name="container">The container whose iommufd to bind to.</param>
    /// <exception cref="VfioException">The kernel refused (EBUSY: the group path holds the device).</exception>
    [RequiresState(DeviceState.Open)]
    [TransitionsTo(DeviceState.Bound)]
    public void Bind(VfioContainer container)
    {
        ArgumentNullException.ThrowIfNull(container);
        lock (_lifecycle.Gate)
        {
            _lifecycle.Require();
            if (!ReferenceEquals(container.Owner, _vfio) || container.Iommufd is null)
            {
                throw new ArgumentException($"{container.Describe()} is not a cdev-mode container of this device's runtime", nameof(container));
            }

            var bind = new vfio_device_bind_iommufd { iommufd = container.Iommufd.DangerousGetFd() };
            VfioException.ThrowIfFailed(Handle.TryVFIO_DEVICE_BIND_IOMMUFD(ref bind), $"binding {this} to {container.Describe()}");
            _container = container;
            _lifecycle.Complete();
        }
    }

    /// <summary>Attaches the bound cdev to the container's IOAS: its DMA goes through the container from now on.</summary>
    /// <param name="container">The container it was bound with.</param>
    /// <exception cref="VfioException">The kernel refused.</exception>
    [RequiresState(DeviceState.Bound, MissingStep = "VfioDevice.Bind")]
    [TransitionsTo(DeviceState.Attached)]
    public void Attach(VfioContainer container)
    {
        ArgumentNullException.ThrowIfNull(container);
        lock (_lifecycle.Gate)
        {
            _lifecycle.Require();
            if (!ReferenceEquals(container, _container))
            {
                throw new ArgumentException($"{this} is bound to {_container?.Describe()}; attach it to that container (an IOAS of the iommufd it is bound to)", nameof(container));
            }

            if (container.IoasId is { } ioas)
            {
                var attach = new vfio_device_attach_iommufd_pt { pt_id = ioas };
                VfioException.ThrowIfFailed(Handle.TryVFIO_DEVICE_ATTACH_IOMMUFD_PT(ref attach), $"attaching {this} to {container.Describe()}");

                // The IOAS's usable ranges shrink to what the device's IOMMU can map.
                container.DeviceAttached();
            }

            _container = container;
            _lifecycle.Complete();
        }
    }

    /// <summary>The device's info (VFIO_DEVICE_GET_INFO): separate from setup, asked when needed.</summary>
    /// <returns>The info.</returns>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public DeviceInfo GetInfo()
    {
        lock (_lifecycle.Gate)
        {
            _lifecycle.Require();
            return VfioException.Wrap($"reading the info of {this}", () =>
            {
                using var reply = Handle.VFIO_DEVICE_GET_INFO(default(vfio_device_info));
                return new DeviceInfo(reply.Value.flags, reply.Value.num_regions, reply.Value.num_irqs);
            });
        }
    }

    /// <summary>
    /// The device's regions (<see cref="DeviceRegions"/>): region info with capabilities, register access through
    /// pread/pwrite or a mapping, BARs, config space. The same object on every call.
    /// </summary>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public DeviceRegions Regions
    {
        get
        {
            _lifecycle.Require();
            return _regions;
        }
    }

    /// <summary>
    /// The device's interrupts (<see cref="DeviceInterrupts"/>): INTx, MSI, MSI-X, ERR and REQ to eventfds. The
    /// same object on every call.
    /// </summary>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public DeviceInterrupts Interrupts
    {
        get
        {
            _lifecycle.Require();
            return _interrupts;
        }
    }

    /// <summary>A region's info with its capabilities: <see cref="DeviceRegions.GetInfo"/>.</summary>
    /// <param name="index">The region index.</param>
    /// <returns>The info.</returns>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public RegionInfo GetRegion(uint index) => Regions.GetInfo(index);

    /// <summary>Maps a region's mmap-able areas: <see cref="DeviceRegions.Map"/>.</summary>
    /// <param name="index">The region index.</param>
    /// <returns>The mapped region.</returns>
    /// <exception cref="VfioException">The kernel refused a mapping (nothing stays mapped).</exception>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public MappedRegion MapRegion(uint index) => Regions.Map(index);

    /// <summary>Reads a 32-bit register: one 4-byte pread (<see cref="DeviceRegions.Access"/>).</summary>
    /// <param name="region">The region (BAR index, or 7 for config space).</param>
    /// <param name="offset">The offset in the region, 4-byte aligned.</param>
    /// <returns>The value.</returns>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public uint Read32(uint region, ulong offset) => Regions.Access(region).Read32(offset);

    /// <summary>Writes a 32-bit register: one 4-byte pwrite.</summary>
    /// <param name="region">The region.</param>
    /// <param name="offset">The offset, 4-byte aligned.</param>
    /// <param name="value">The value.</param>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public void Write32(uint region, ulong offset, uint value) => Regions.Access(region).Write32(offset, value);

    /// <summary>Reads a 64-bit register: one 8-byte pread.</summary>
    /// <param name="region">The region.</param>
    /// <param name="offset">The offset, 8-byte aligned.</param>
    /// <returns>The value.</returns>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public ulong Read64(uint region, ulong offset) => Regions.Access(region).Read64(offset);

    /// <summary>Writes a 64-bit register: one 8-byte pwrite.</summary>
    /// <param name="region">The region.</param>
    /// <param name="offset">The offset, 8-byte aligned.</param>
    /// <param name="value">The value.</param>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public void Write64(uint region, ulong offset, ulong value) => Regions.Access(region).Write64(offset, value);

    /// <summary>Reads an 8-bit register: one 1-byte pread.</summary>
    /// <param name="region">The region.</param>
    /// <param name="offset">The offset.</param>
    /// <returns>The value.</returns>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public byte Read8(uint region, ulong offset) => Regions.Access(region).Read8(offset);

    /// <summary>Writes an 8-bit register: one 1-byte pwrite.</summary>
    /// <param name="region">The region.</param>
    /// <param name="offset">The offset.</param>
    /// <param name="value">The value.</param>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public void Write8(uint region, ulong offset, byte value) => Regions.Access(region).Write8(offset, value);

    /// <summary>What an interrupt index offers: <see cref="DeviceInterrupts.GetInfo"/>.</summary>
    /// <param name="index">The interrupt index.</param>
    /// <returns>The info; a <see cref="VfioException"/> for an index the device does not have (ERR on conventional PCI).</returns>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public IrqInfo GetIrqInfo(uint index) => Interrupts.GetInfo(index);

    /// <summary>Reads a 16-bit value: one 2-byte pread.</summary>
    /// <param name="region">The region.</param>
    /// <param name="offset">The offset, 2-byte aligned.</param>
    /// <returns>The value.</returns>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public ushort Read16(uint region, ulong offset) => Regions.Access(region).Read16(offset);

    /// <summary>Writes a 16-bit value: one 2-byte pwrite.</summary>
    /// <param name="region">The region.</param>
    /// <param name="offset">The offset, 2-byte aligned.</param>
    /// <param name="value">The value.</param>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public void Write16(uint region, ulong offset, ushort value) => Regions.Access(region).Write16(offset, value);

    /// <summary>Turns on bus mastering in the command register: <see cref="ConfigSpace.EnableBusMaster"/>.</summary>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public void EnableBusMaster() => Regions.ConfigSpace.EnableBusMaster();

    /// <summary>Routes <paramref name="count"/> vectors of an interrupt index to new eventfds: <see cref="DeviceInterrupts.Enable"/>.</summary>
    /// <param name="index">VFIO_PCI_INTX_IRQ_INDEX, _MSI_, _MSIX_, _ERR_ or _REQ_.</param>
    /// <param name="count">The number of vectors (1 for INTx, ERR, REQ).</param>
    /// <returns>The interrupts; dispose to disable them.</returns>
    /// <exception cref="VfioException">The kernel refused (e.g. MSI while INTx is enabled).</exception>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public InterruptSet EnableInterrupts(uint index, int count) => Interrupts.Enable(index, count);

    /// <summary>Resets the device, where it supports it (VFIO_DEVICE_FLAGS_RESET; see <see cref="DeviceReset"/>).</summary>
    /// <exception cref="VfioException">The device can't be reset (edu can't: no FLR, no PM reset), naming the device; or the kernel refused.</exception>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public void Reset() => DeviceReset.Reset(this);

    /// <summary>Disables its interrupts, closes the device fd (the kernel detaches a cdev on close).</summary>
    [TransitionsTo(DeviceState.Released)]
    public void Dispose()
    {
        lock (_lifecycle.Gate)
        {
            if (State == DeviceState.Released)
            {
                return;
            }

            // Under the gate, so no interrupt set or mapping can be added in between: interrupts off and their
            // eventfds closed, mappings gone (a live mapping would keep the device file open in the kernel).
            _interrupts.Release();
            _regions.Release();
            Handle.Dispose();
            _lifecycle.Complete();
        }

        _group?.DeviceReleased(this);
        _vfio.Forget(this);
    }

    /// <inheritdoc/>
    public override string ToString() => $"device {_address} (fd {Handle.DangerousGetFd()}, {State})";
}
