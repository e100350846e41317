using System.Buffers.Binary;
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
public sealed unsafe class VfioDevice : IDisposable
{
    private const int RegionShift = 40;
    private readonly Lifecycle<VfioDevice, DeviceState> _lifecycle;
    private readonly List<InterruptSet> _interrupts = [];
    private readonly VfioGroup? _group;
    private readonly Dictionary<uint, ulong> _regionSizes = [];
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
        if (group is not null)
        {
            _lifecycle.MoveTo(DeviceState.Attached);
        }
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

    /// <summary>A region's info with its sparse-mmap areas (VFIO_DEVICE_GET_REGION_INFO, capability chain).</summary>
    /// <param name="index">The region index.</param>
    /// <returns>The info.</returns>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public RegionInfo GetRegion(uint index)
    {
        lock (_lifecycle.Gate)
        {
            _lifecycle.Require();
            return VfioException.Wrap($"reading the info of region {index} of {this}", () => ReadRegion(index));
        }
    }

    private RegionInfo ReadRegion(uint index)
    {
        {
            using var reply = Handle.VFIO_DEVICE_GET_REGION_INFO(new vfio_region_info { index = index });
            var info = reply.Value;
            var areas = new List<(ulong, ulong)>();
            if ((info.flags & vfio.VFIO_REGION_INFO_FLAG_CAPS) != 0 && reply.CapabilitiesAt(info.cap_offset).TryFind((ushort)vfio.VFIO_REGION_INFO_CAP_SPARSE_MMAP, out var capability))
            {
                var header = capability.Read<vfio_region_info_cap_sparse_mmap>();
                var entries = capability.Bytes[sizeof(vfio_region_info_cap_sparse_mmap)..];
                for (var i = 0; i < header.nr_areas && (i + 1) * sizeof(vfio_region_sparse_mmap_area) <= entries.Length; i++)
                {
                    var area = System.Runtime.InteropServices.MemoryMarshal.Read<vfio_region_sparse_mmap_area>(entries[(i * sizeof(vfio_region_sparse_mmap_area))..]);
                    areas.Add((area.offset, area.size));
                }
            }
            else if ((info.flags & vfio.VFIO_REGION_INFO_FLAG_MMAP) != 0)
            {
                areas.Add((0, info.size));
            }

            return new RegionInfo(info.index, info.flags, info.size, info.offset, areas);
        }
    }

    /// <summary>Maps a region's mmap-able areas for direct register access (<see cref="MappedRegion"/>); dispose it before the device.</summary>
    /// <param name="index">The region index.</param>
    /// <returns>The mapped region.</returns>
    /// <exception cref="VfioException">The kernel refused a mapping (nothing stays mapped).</exception>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public MappedRegion MapRegion(uint index) => MappedRegion.Map(this, GetRegion(index));

    /// <summary>Reads a 32-bit register: one 4-byte access (pread of exactly 4 bytes at the region offset).</summary>
    /// <param name="region">The region (BAR index, or 7 for config space).</param>
    /// <param name="offset">The offset in the region, 4-byte aligned.</param>
    /// <returns>The value.</returns>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public uint Read32(uint region, ulong offset) => (uint)Access(region, offset, 4, 0, write: false);

    /// <summary>Writes a 32-bit register: one 4-byte access.</summary>
    /// <param name="region">The region.</param>
    /// <param name="offset">The offset, 4-byte aligned.</param>
    /// <param name="value">The value.</param>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public void Write32(uint region, ulong offset, uint value) => Access(region, offset, 4, value, write: true);

    /// <summary>Reads a 64-bit register: one 8-byte access.</summary>
    /// <param name="region">The region.</param>
    /// <param name="offset">The offset, 8-byte aligned.</param>
    /// <returns>The value.</returns>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public ulong Read64(uint region, ulong offset) => Access(region, offset, 8, 0, write: false);

    /// <summary>Writes a 64-bit register: one 8-byte access.</summary>
    /// <param name="region">The region.</param>
    /// <param name="offset">The offset, 8-byte aligned.</param>
    /// <param name="value">The value.</param>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public void Write64(uint region, ulong offset, ulong value) => Access(region, offset, 8, value, write: true);

    /// <summary>Reads an 8-bit register: one 1-byte access.</summary>
    /// <param name="region">The region.</param>
    /// <param name="offset">The offset.</param>
    /// <returns>The value.</returns>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public byte Read8(uint region, ulong offset) => (byte)Access(region, offset, 1, 0, write: false);

    /// <summary>Writes an 8-bit register: one 1-byte access.</summary>
    /// <param name="region">The region.</param>
    /// <param name="offset">The offset.</param>
    /// <param name="value">The value.</param>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public void Write8(uint region, ulong offset, byte value) => Access(region, offset, 1, value, write: true);

    /// <summary>What an interrupt index offers (VFIO_DEVICE_GET_IRQ_INFO).</summary>
    /// <param name="index">The interrupt index.</param>
    /// <returns>The info; a <see cref="VfioException"/> for an index the device does not have (ERR on conventional PCI).</returns>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public IrqInfo GetIrqInfo(uint index)
    {
        lock (_lifecycle.Gate)
        {
            _lifecycle.Require();
            var info = new vfio_irq_info { index = index };
            VfioException.ThrowIfFailed(Handle.TryVFIO_DEVICE_GET_IRQ_INFO(ref info), $"reading interrupt index {index} of {this}");
            return new IrqInfo(info.index, info.flags, info.count);
        }
    }

    /// <summary>Reads a 16-bit value: one 2-byte access (config space registers are 16 bits wide).</summary>
    /// <param name="region">The region.</param>
    /// <param name="offset">The offset, 2-byte aligned.</param>
    /// <returns>The value.</returns>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public ushort Read16(uint region, ulong offset) => (ushort)Access(region, offset, 2, 0, write: false);

    /// <summary>Writes a 16-bit value: one 2-byte access.</summary>
    /// <param name="region">The region.</param>
    /// <param name="offset">The offset, 2-byte aligned.</param>
    /// <param name="value">The value.</param>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public void Write16(uint region, ulong offset, ushort value) => Access(region, offset, 2, value, write: true);

    /// <summary>Turns on bus mastering in the command register: the device can't DMA without it.</summary>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public void EnableBusMaster()
    {
        var command = Read16(vfio.VFIO_PCI_CONFIG_REGION_INDEX, 0x04);
        Write16(vfio.VFIO_PCI_CONFIG_REGION_INDEX, 0x04, (ushort)(command | 0x06));
    }

    /// <summary>Routes <paramref name="count"/> vectors of an interrupt index to new eventfds.</summary>
    /// <param name="index">VFIO_PCI_INTX_IRQ_INDEX, _MSI_, _MSIX_, _ERR_ or _REQ_.</param>
    /// <param name="count">The number of vectors (1 for INTx, ERR, REQ).</param>
    /// <returns>The interrupts; dispose to disable them.</returns>
    /// <exception cref="VfioException">The kernel refused (e.g. MSI while INTx is enabled).</exception>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public InterruptSet EnableInterrupts(uint index, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        lock (_lifecycle.Gate)
        {
            _lifecycle.Require();
            var set = InterruptSet.Create(this, index, count);
            _interrupts.Add(set);
            return set;
        }
    }

    /// <summary>Resets the device, where it supports it (VFIO_DEVICE_FLAGS_RESET).</summary>
    /// <exception cref="VfioException">The device can't be reset (edu can't: no FLR, no PM reset).</exception>
    [RequiresState(DeviceState.Bound, DeviceState.Attached, MissingStep = "VfioDevice.Bind")]
    public void Reset()
    {
        if (!GetInfo().CanReset)
        {
            throw new VfioException($"resetting {this}", advice: "the device reports no reset (VFIO_DEVICE_FLAGS_RESET): it has no FLR or PM reset and no bus reset is available");
        }

        lock (_lifecycle.Gate)
        {
            _lifecycle.Require();
            VfioException.ThrowIfFailed(Handle.TryVFIO_DEVICE_RESET(), $"resetting {this}");
        }
    }

    /// <summary>Disables its interrupts, closes the device fd (the kernel detaches a cdev on close).</summary>
    [TransitionsTo(DeviceState.Released)]
    public void Dispose()
    {
        InterruptSet[] interrupts;
        lock (_lifecycle.Gate)
        {
            if (State == DeviceState.Released)
            {
                return;
            }

            interrupts = [.. _interrupts];
        }

        foreach (var set in interrupts)
        {
            set.Dispose();
        }

        lock (_lifecycle.Gate)
        {
            Handle.Dispose();
            _lifecycle.Complete();
        }

        _group?.DeviceReleased(this);
        _vfio.Forget(this);
    }

    /// <inheritdoc/>
    public override string ToString() => $"device {_address} (fd {Handle.DangerousGetFd()}, {State})";

    internal void InterruptsReleased(InterruptSet set)
    {
        lock (_lifecycle.Gate)
        {
            _interrupts.Remove(set);
        }
    }

    private ulong Access(uint region, ulong offset, int width, ulong value, bool write, [System.Runtime.CompilerServices.CallerMemberName] string operation = "")
    {
        if (offset % (ulong)width != 0 || offset >= 1UL << RegionShift)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"{operation}: offset 0x{offset:x} of region {region} of {this} is not a {width}-byte aligned offset inside the region");
        }

        lock (_lifecycle.Gate)
        {
            _lifecycle.Require(operation);
            if (!_regionSizes.TryGetValue(region, out var size))
            {
                size = VfioException.Wrap($"reading the size of region {region} of {this}", () =>
                {
                    using var reply = Handle.VFIO_DEVICE_GET_REGION_INFO(new vfio_region_info { index = region });
                    return reply.Value.size;
                });
                _regionSizes.Add(region, size);
            }

            if (offset >= size || size - offset < (ulong)width)
            {
                throw new ArgumentOutOfRangeException(nameof(offset), offset, $"{operation}: a {width}-byte access at offset 0x{offset:x} is outside region {region} ({size} bytes) of {this}");
            }

            Span<byte> bytes = stackalloc byte[8];
            var position = ((long)region << RegionShift) + (long)offset;
            if (write)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
                var written = Handle.Kernel.PWrite(Handle.DangerousGetFd(), bytes[..width], position);
                if (written != width)
                {
                    throw written < 0 ? VfioException.From(written, $"{operation} at offset 0x{offset:x} of region {region} of {this}") : new ArgumentOutOfRangeException(nameof(offset), $"{operation}: offset 0x{offset:x} of region {region} of {this} runs past the region's end");
                }

                return 0;
            }

            bytes.Clear();
            var read = Handle.Kernel.PRead(Handle.DangerousGetFd(), bytes[..width], position);
            if (read != width)
            {
                throw read < 0 ? VfioException.From(read, $"{operation} at offset 0x{offset:x} of region {region} of {this}") : new ArgumentOutOfRangeException(nameof(offset), $"{operation}: offset 0x{offset:x} of region {region} of {this} runs past the region's end");
            }

            return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        }
    }
}
