using VfioSharp.Capabilities;
using VfioSharp.Dma;
using VfioSharp.Handles;
using VfioSharp.Kernel;
using VfioSharp.Lifecycle;
using VfioSharp.Modes;
using VfioSharp.Uapi;

namespace VfioSharp.Containers;

/// <summary>
/// A DMA address space shared by its devices: in group modes a <c>/dev/vfio/vfio</c> container with the type1v2
/// IOMMU (type1 where v2 is missing) or the no-IOMMU driver; in cdev modes an IOAS in an iommufd. A mapping
/// applies to every device in it. When the last group leaves a group-mode container the kernel drops every
/// mapping: the container goes back to <see cref="ContainerState.Empty"/>, keeps its list, and maps it again
/// when a group joins.
/// </summary>
[StateMachine(typeof(ContainerState), ContainerState.Empty)]
public sealed unsafe class VfioContainer : IDisposable
{
    private const ulong SmallPage = 4096;
    private const ulong HugePage = 2UL << 20;

    private readonly Lifecycle<VfioContainer, ContainerState> _lifecycle;
    private readonly Vfio _vfio;
    private readonly VfioMode _mode;
    private readonly uint? _ioasId;
    private readonly bool _isDefault;
    private readonly List<DmaMapping> _mappings = new(16);
    private readonly List<DmaBuffer> _buffers = new(16);
    private readonly List<object> _members = [];
    private IReadOnlyList<IovaRange> _ranges = [];
    private IovaAllocator? _allocator;
    private int _iommuType;
    private readonly bool _adopted;

    // The IOMMU's smallest page: IOVAs, lengths and offsets of a mapping are multiples of it (type1's
    // iova_pgsizes, the IOAS's out_iova_alignment; 4 KiB until the kernel says).
    private ulong _pageSize = SmallPage;

    internal VfioContainer(Vfio vfio, bool isDefault)
    {
        _vfio = vfio;
        _isDefault = isDefault;
        _mode = vfio.Mode;
        _lifecycle = new Lifecycle<VfioContainer, ContainerState>(Describe);
        var kernel = vfio.Kernel;
        switch (_mode)
        {
            case VfioMode.Group or VfioMode.NoIommuGroup:
                var fd = kernel.Open("/dev/vfio/vfio", OpenFlags.ReadWrite | OpenFlags.CloseOnExec);
                if (fd < 0)
                {
                    throw VfioException.FromOpen(fd, "/dev/vfio/vfio", "opening the VFIO container");
                }

                Handle = new ContainerHandle(kernel, fd);
                var version = Handle.TryVFIO_GET_API_VERSION();
                if (version != Uapi.vfio.VFIO_API_VERSION)
                {
                    Handle.Dispose();
                    throw new VfioException($"checking the VFIO API version of /dev/vfio/vfio (fd {fd}): it is {version}, this runtime speaks {Uapi.vfio.VFIO_API_VERSION}");
                }

                break;
            case VfioMode.Cdev:
                var iommufdFd = kernel.Open("/dev/iommu", OpenFlags.ReadWrite | OpenFlags.CloseOnExec);
                if (iommufdFd < 0)
                {
                    throw VfioException.FromOpen(iommufdFd, "/dev/iommu", "opening the iommufd");
                }

                Iommufd = new IommufdHandle(kernel, iommufdFd);
                var alloc = default(iommu_ioas_alloc);
                var allocated = Iommufd.TryIOMMU_IOAS_ALLOC(ref alloc);
                if (allocated < 0)
                {
                    Iommufd.Dispose();
                    throw VfioException.From(allocated, $"allocating an IOAS in /dev/iommu (fd {iommufdFd})");
                }

                _ioasId = alloc.out_ioas_id;
                try
                {
                    RefreshRanges();
                }
                catch
                {
                    var destroy = new iommu_destroy { id = alloc.out_ioas_id };
                    _ = Iommufd.TryIOMMU_DESTROY(ref destroy);
                    Iommufd.Dispose();
                    throw;
                }
                _lifecycle.MoveTo(ContainerState.Ready);
                break;
            default:
                // No-IOMMU cdev: DMA uses physical addresses, but the cdev still binds to a real /dev/iommu
                // (Linux 7.3 refuses iommufd = -1 with EINVAL, tests/kernel/README.md); no IOAS is needed.
                var noIommuFd = kernel.Open("/dev/iommu", OpenFlags.ReadWrite | OpenFlags.CloseOnExec);
                if (noIommuFd < 0)
                {
                    throw VfioException.FromOpen(noIommuFd, "/dev/iommu", "opening the iommufd a no-IOMMU cdev binds to");
                }

                Iommufd = new IommufdHandle(kernel, noIommuFd);
                _ranges = [new IovaRange(0, ulong.MaxValue)];
                _lifecycle.MoveTo(ContainerState.Ready);
                break;
        }
    }

    /// <summary>
    /// Adopts a DMA space another process set up (Sharing/VfioAdoption validated the fds): already
    /// <see cref="ContainerState.Ready"/>, and the broker's: no SET_IOMMU, no IOAS allocation, no IOAS destroy at
    /// Dispose (only this process's own mappings are undone).
    /// </summary>
    internal VfioContainer(Vfio vfio, ContainerHandle? handle, IommufdHandle? iommufd, uint? ioasId)
    {
        _vfio = vfio;
        _mode = vfio.Mode;
        _lifecycle = new Lifecycle<VfioContainer, ContainerState>(Describe);
        Handle = handle;
        Iommufd = iommufd;
        _ioasId = ioasId;
        _adopted = true;
        if (_mode is VfioMode.Group or VfioMode.Cdev)
        {
            RefreshRanges();
        }
        else
        {
            _ranges = [new IovaRange(0, ulong.MaxValue)];
        }

        _lifecycle.MoveTo(ContainerState.Ready);
    }

    /// <summary>The runtime this container belongs to.</summary>
    [RequiresState(ContainerState.Empty, ContainerState.Ready)]
    public Vfio Vfio
    {
        get
        {
            _lifecycle.Require();
            return _vfio;
        }
    }

    /// <summary>Whether this is the runtime's default container.</summary>
    [RequiresState(ContainerState.Empty, ContainerState.Ready)]
    public bool IsDefault
    {
        get
        {
            _lifecycle.Require();
            return _isDefault;
        }
    }

    /// <summary>How this container reaches the IOMMU.</summary>
    [RequiresState(ContainerState.Empty, ContainerState.Ready)]
    public VfioMode Mode
    {
        get
        {
            _lifecycle.Require();
            return _mode;
        }
    }

    /// <summary>The container's state: asked in any state, Released included.</summary>
    [RequiresState(ContainerState.Empty, ContainerState.Ready, ContainerState.Released)]
    public ContainerState State => _lifecycle.State;

    /// <summary>The IOAS id in cdev mode (what a broker hands to a worker); null in other modes.</summary>
    [RequiresState(ContainerState.Empty, ContainerState.Ready)]
    public uint? IoasId
    {
        get
        {
            _lifecycle.Require();
            return _ioasId;
        }
    }

    /// <summary>
    /// The IOMMU's smallest page size (type1's <c>iova_pgsizes</c>, the IOAS's <c>out_iova_alignment</c>): a mapping's
    /// IOVA, offset and length are multiples of it.
    /// </summary>
    [RequiresState(ContainerState.Ready, MissingStep = "VfioGroup.SetContainer")]
    public ulong PageSize
    {
        get
        {
            lock (_lifecycle.Gate)
            {
                _lifecycle.Require();
                return _pageSize;
            }
        }
    }

    /// <summary>The IOVA ranges the IOMMU can map, as the kernel reports them (type1's capability chain, or IOMMU_IOAS_IOVA_RANGES).</summary>
    [RequiresState(ContainerState.Ready, MissingStep = "VfioGroup.SetContainer")]
    public IReadOnlyList<IovaRange> IovaRanges
    {
        get
        {
            lock (_lifecycle.Gate)
            {
                _lifecycle.Require();
                return _ranges;
            }
        }
    }

    /// <summary>The mappings made, sorted by IOVA (kept across a last-group-leaves, and mapped again after). A copy.</summary>
    [RequiresState(ContainerState.Empty, ContainerState.Ready)]
    public IReadOnlyList<DmaMapping> Mappings
    {
        get
        {
            lock (_lifecycle.Gate)
            {
                _lifecycle.Require();
                return [.. _mappings];
            }
        }
    }

    /// <summary>The runtime, for the runtime's own checks (readable after release, unlike <see cref="Vfio"/>).</summary>
    internal Vfio Owner => _vfio;

    internal ContainerHandle? Handle { get; }

    internal IommufdHandle? Iommufd { get; }

    /// <summary>
    /// Maps all of <paramref name="buffer"/> at an IOVA the container chooses inside its ranges (aligned to 2 MiB
    /// for a huge-page buffer, so the IOMMU can use huge pages too). In the no-IOMMU modes nothing is mapped: the
    /// mapping's <see cref="DmaMapping.Iova"/> is the buffer's physical address (the buffer must be physically
    /// contiguous, and reading it needs CAP_SYS_ADMIN).
    /// </summary>
    /// <param name="buffer">The memory.</param>
    /// <returns>The mapping.</returns>
    /// <exception cref="InvalidStateException">The container is not <see cref="ContainerState.Ready"/>.</exception>
    /// <exception cref="ArgumentException">The buffer was disposed.</exception>
    /// <exception cref="VfioException">No room, or the kernel refused.</exception>
    [RequiresState(ContainerState.Ready, MissingStep = "VfioGroup.SetContainer")]
    public DmaMapping Map(DmaBuffer buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        lock (_lifecycle.Gate)
        {
            _lifecycle.Require();
            if (_mode is VfioMode.NoIommuGroup or VfioMode.NoIommuCdev)
            {
                return MapPhysical(buffer);
            }

            var alignment = buffer.HugePages ? Math.Max(_pageSize, HugePage) : _pageSize;
            if (!_allocator!.TryAllocate(buffer.Length, alignment, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_mappings), out var iova))
            {
                throw new VfioException($"finding {buffer.Length} bytes of free IOVA space in {Describe()}", advice: "the IOVA ranges are full: unmap something, or map larger buffers at chosen IOVAs");
            }

            var result = TryMapLocked(buffer, 0, buffer.Length, iova, out var mapping);
            if (result < 0)
            {
                throw MapFailure(result, buffer.Length, iova);
            }

            return mapping;
        }
    }

    /// <summary>Maps all of <paramref name="buffer"/> at <paramref name="iova"/>.</summary>
    /// <param name="buffer">The memory.</param>
    /// <param name="iova">The IOVA, a multiple of <see cref="PageSize"/>.</param>
    /// <returns>The mapping.</returns>
    /// <exception cref="InvalidStateException">The container is not <see cref="ContainerState.Ready"/>.</exception>
    /// <exception cref="ArgumentException">The buffer was disposed, or <paramref name="iova"/> is unaligned or its range overflows.</exception>
    /// <exception cref="VfioException">The kernel refused (overlap: EEXIST; outside the ranges: EINVAL or ERANGE; memlock: ENOMEM).</exception>
    [RequiresState(ContainerState.Ready, MissingStep = "VfioGroup.SetContainer")]
    public DmaMapping Map(DmaBuffer buffer, ulong iova)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        return Map(buffer, 0, buffer.Length, iova);
    }

    /// <summary>Maps <paramref name="length"/> bytes of <paramref name="buffer"/> from <paramref name="offset"/> at <paramref name="iova"/>.</summary>
    /// <param name="buffer">The memory.</param>
    /// <param name="offset">Where in the buffer the mapping starts, a multiple of <see cref="PageSize"/>.</param>
    /// <param name="length">How many bytes, a multiple of <see cref="PageSize"/>; not 0.</param>
    /// <param name="iova">The IOVA, a multiple of <see cref="PageSize"/>.</param>
    /// <returns>The mapping.</returns>
    /// <exception cref="InvalidStateException">The container is not <see cref="ContainerState.Ready"/>.</exception>
    /// <exception cref="ArgumentException">A bad range: zero or unaligned length, offset or IOVA, past the buffer's end, or an IOVA range that overflows.</exception>
    /// <exception cref="VfioException">The kernel refused.</exception>
    [RequiresState(ContainerState.Ready, MissingStep = "VfioGroup.SetContainer")]
    public DmaMapping Map(DmaBuffer buffer, ulong offset, ulong length, ulong iova)
    {
        var result = TryMap(buffer, offset, length, iova, out var mapping);
        if (result < 0)
        {
            throw MapFailure(result, length, iova);
        }

        return mapping;
    }

    /// <summary>Maps all of <paramref name="buffer"/> at <paramref name="iova"/>, reporting the kernel's refusal as <c>-errno</c>. Allocates nothing once warm.</summary>
    /// <param name="buffer">The memory.</param>
    /// <param name="iova">The IOVA, a multiple of <see cref="PageSize"/>.</param>
    /// <param name="mapping">The mapping when it succeeded.</param>
    /// <returns>0, or <c>-errno</c> (no-IOMMU modes: -EINVAL, a device there uses physical addresses: see <see cref="Map(DmaBuffer)"/>).</returns>
    /// <exception cref="InvalidStateException">The container is not <see cref="ContainerState.Ready"/>.</exception>
    /// <exception cref="ArgumentException">The buffer was disposed, or <paramref name="iova"/> is unaligned or its range overflows 64 bits.</exception>
    [RequiresState(ContainerState.Ready, MissingStep = "VfioGroup.SetContainer")]
    public long TryMap(DmaBuffer buffer, ulong iova, out DmaMapping mapping)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        return TryMap(buffer, 0, buffer.Length, iova, out mapping);
    }

    /// <summary>Maps part of <paramref name="buffer"/>, reporting the kernel's refusal as <c>-errno</c>. Allocates nothing once warm.</summary>
    /// <param name="buffer">The memory.</param>
    /// <param name="offset">Where in the buffer the mapping starts, a multiple of <see cref="PageSize"/>.</param>
    /// <param name="length">How many bytes, a multiple of <see cref="PageSize"/>; not 0.</param>
    /// <param name="iova">The IOVA, a multiple of <see cref="PageSize"/>.</param>
    /// <param name="mapping">The mapping when it succeeded.</param>
    /// <returns>0, or <c>-errno</c>.</returns>
    /// <exception cref="InvalidStateException">The container is not <see cref="ContainerState.Ready"/>.</exception>
    /// <exception cref="ArgumentException">A bad range (a caller's mistake, never sent to the kernel).</exception>
    [RequiresState(ContainerState.Ready, MissingStep = "VfioGroup.SetContainer")]
    public long TryMap(DmaBuffer buffer, ulong offset, ulong length, ulong iova, out DmaMapping mapping)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        mapping = default;
        if (length == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(length), "a DMA mapping of 0 bytes maps nothing (the kernel refuses it with EINVAL)");
        }

        if (offset > buffer.Length || length > buffer.Length - offset)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"bytes 0x{offset:x}..+0x{length:x} run past the end of the {buffer.Length}-byte buffer");
        }

        if (iova + length - 1 < iova)
        {
            throw new ArgumentException($"IOVA 0x{iova:x} + {length} bytes overflows 64 bits", nameof(iova));
        }

        lock (_lifecycle.Gate)
        {
            _lifecycle.Require();
            if (((iova | offset | length) & (_pageSize - 1)) != 0)
            {
                throw new ArgumentException($"IOVA 0x{iova:x}, offset 0x{offset:x} and length 0x{length:x} must be multiples of the IOMMU page size 0x{_pageSize:x}", nameof(iova));
            }

            return TryMapLocked(buffer, offset, length, iova, out mapping);
        }
    }

    /// <summary>Unmaps a mapping this container made.</summary>
    /// <param name="mapping">The mapping.</param>
    /// <exception cref="InvalidStateException">The container was released.</exception>
    /// <exception cref="ArgumentException">This container has no such mapping (never made, or unmapped already).</exception>
    /// <exception cref="VfioException">The kernel refused.</exception>
    [RequiresState(ContainerState.Empty, ContainerState.Ready)]
    public void Unmap(DmaMapping mapping)
    {
        var result = TryUnmap(mapping);
        if (result < 0)
        {
            throw VfioException.From(result, $"unmapping IOVA 0x{mapping.Iova:x} ({mapping.Length} bytes) from {Describe()}");
        }
    }

    /// <summary>Unmaps a mapping this container made, reporting the kernel's refusal as <c>-errno</c>. Allocates nothing.</summary>
    /// <param name="mapping">The mapping.</param>
    /// <returns>0, or <c>-errno</c>.</returns>
    /// <exception cref="InvalidStateException">The container was released.</exception>
    /// <exception cref="ArgumentException">This container has no such mapping (never made, or unmapped already).</exception>
    [RequiresState(ContainerState.Empty, ContainerState.Ready)]
    public long TryUnmap(DmaMapping mapping)
    {
        lock (_lifecycle.Gate)
        {
            _lifecycle.Require();
            var index = IndexOf(mapping);
            if (index < 0)
            {
                throw new ArgumentException($"{Describe()} has no mapping at IOVA 0x{mapping.Iova:x} of {mapping.Length} bytes (never mapped, or unmapped already)", nameof(mapping));
            }

            // In Empty state the kernel already dropped it with the last group; no-IOMMU modes never mapped it.
            var result = State == ContainerState.Ready && _mode is VfioMode.Group or VfioMode.Cdev ? KernelUnmap(mapping) : 0;
            if (result < 0)
            {
                return result;
            }

            RemoveAt(index);
            return 0;
        }
    }

    /// <summary>Unmaps everything, destroys the IOAS or closes the container. Devices and groups must be released first (the runtime's <see cref="Vfio.Dispose"/> does that order).</summary>
    [TransitionsTo(ContainerState.Released)]
    public void Dispose()
    {
        lock (_lifecycle.Gate)
        {
            if (State == ContainerState.Released)
            {
                return;
            }

            while (_mappings.Count > 0)
            {
                var last = _mappings.Count - 1;
                if (State == ContainerState.Ready && _mode is VfioMode.Group or VfioMode.Cdev)
                {
                    _ = KernelUnmap(_mappings[last]);
                }

                RemoveAt(last);
            }

            if (Iommufd is not null && _ioasId is { } ioas && !_adopted)
            {
                var destroy = new iommu_destroy { id = ioas };
                _ = Iommufd.TryIOMMU_DESTROY(ref destroy);
            }

            Iommufd?.Dispose();

            Handle?.Dispose();
            _lifecycle.Complete();
        }

        _vfio.Forget(this);
    }

    /// <summary>A group joined (VFIO_GROUP_SET_CONTAINER done): the first one sets the IOMMU and replays the mappings.</summary>
    internal void GroupJoined(object group)
    {
        lock (_lifecycle.Gate)
        {
            _members.Add(group);
            if (State != ContainerState.Empty)
            {
                return;
            }

            SetIommu();
            _lifecycle.MoveTo(ContainerState.Ready);

            // No-IOMMU mappings are physical addresses the kernel never held: nothing to replay.
            if (_mode == VfioMode.NoIommuGroup)
            {
                return;
            }

            foreach (var mapping in _mappings)
            {
                VfioException.ThrowIfFailed(KernelMap(mapping), $"mapping IOVA 0x{mapping.Iova:x} again in {Describe()} after a group joined");
            }
        }
    }

    /// <summary>A cdev device was attached: the IOAS's ranges are now what its IOMMU allows.</summary>
    internal void DeviceAttached()
    {
        lock (_lifecycle.Gate)
        {
            RefreshRanges();
        }
    }

    /// <summary>A group left: after the last one the kernel dropped the IOMMU and every mapping.</summary>
    internal void GroupLeft(object group)
    {
        lock (_lifecycle.Gate)
        {
            _members.Remove(group);
            if (_members.Count == 0 && _mode is VfioMode.Group or VfioMode.NoIommuGroup && State == ContainerState.Ready)
            {
                _lifecycle.MoveTo(ContainerState.Empty);
            }
        }
    }

    internal string Describe() => _mode switch
    {
        VfioMode.Cdev => $"IOAS {_ioasId} of /dev/iommu (fd {Iommufd?.DangerousGetFd()}), {State}",
        VfioMode.NoIommuCdev => $"no-IOMMU DMA space, {State}",
        _ => $"VFIO container /dev/vfio/vfio (fd {Handle?.DangerousGetFd()}), {State}",
    };

    private void SetIommu()
    {
        var handle = Handle!;
        int[] candidates = _mode == VfioMode.NoIommuGroup ? [vfio.VFIO_NOIOMMU_IOMMU] : [vfio.VFIO_TYPE1v2_IOMMU, vfio.VFIO_TYPE1_IOMMU];
        foreach (var type in candidates)
        {
            if (handle.TryVFIO_CHECK_EXTENSION((uint)type) <= 0)
            {
                continue;
            }

            VfioException.ThrowIfFailed(handle.TryVFIO_SET_IOMMU(type), $"setting IOMMU type {type} on {Describe()}");
            _iommuType = type;
            if (_mode == VfioMode.Group)
            {
                RefreshRanges();
            }
            else
            {
                _ranges = [new IovaRange(0, ulong.MaxValue)];
            }

            return;
        }

        throw new VfioException($"choosing an IOMMU type for {Describe()} (VFIO_CHECK_EXTENSION)", advice: _mode == VfioMode.NoIommuGroup ? "the kernel offers no VFIO_NOIOMMU_IOMMU: set /sys/module/vfio/parameters/enable_unsafe_noiommu_mode to Y" : "the kernel offers neither type1v2 nor type1 (is vfio_iommu_type1 loaded?)");
    }

    private void RefreshRanges()
    {
        var ranges = VfioException.Wrap($"reading the IOVA ranges of {Describe()}", ReadRanges);
        _ranges = ranges;
        _allocator = new IovaAllocator(ranges);
    }

    private List<IovaRange> ReadRanges()
    {
        var ranges = new List<IovaRange>();
        if (_mode == VfioMode.Cdev)
        {
            var request = new iommu_ioas_iova_ranges { ioas_id = _ioasId!.Value };
            Iommufd!.IOMMU_IOAS_IOVA_RANGES(ref request, out PooledElements<iommu_iova_range> elements);
            using (elements)
            {
                foreach (var range in elements.Span)
                {
                    ranges.Add(new IovaRange(range.start, range.last));
                }
            }

            // The IOAS's alignment grows with what its attached devices' IOMMUs need (iopt_calculate_iova_alignment).
            _pageSize = Math.Max(SmallPage, request.out_iova_alignment);
        }
        else
        {
            // Grows argsz as the kernel asks (6.1 wants 116 bytes, later kernels more): never a fixed size.
            using var reply = Handle!.VFIO_IOMMU_GET_INFO(default(vfio_iommu_type1_info));
            if ((reply.Value.flags & vfio.VFIO_IOMMU_INFO_PGSIZES) != 0 && reply.Value.iova_pgsizes != 0)
            {
                // The smallest page the IOMMU maps: the lowest bit of the page-size bitmap.
                _pageSize = reply.Value.iova_pgsizes & (~reply.Value.iova_pgsizes + 1);
            }

            if (reply.CapabilitiesAt(reply.Value.cap_offset).TryFind((ushort)vfio.VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, out var capability))
            {
                var header = capability.Read<vfio_iommu_type1_info_cap_iova_range>();
                var entries = capability.Bytes[sizeof(vfio_iommu_type1_info_cap_iova_range)..];
                for (var i = 0; i < header.nr_iovas && (i + 1) * sizeof(vfio_iova_range) <= entries.Length; i++)
                {
                    var entry = System.Runtime.InteropServices.MemoryMarshal.Read<vfio_iova_range>(entries[(i * sizeof(vfio_iova_range))..]);
                    ranges.Add(new IovaRange(entry.start, entry.end));
                }
            }
            else
            {
                // Kernels before 5.4 report no ranges: all of the 64-bit space, as DPDK assumes then.
                ranges.Add(new IovaRange(0, ulong.MaxValue));
            }
        }

        return ranges;
    }

    private long KernelMap(DmaMapping mapping)
    {
        if (_mode == VfioMode.Cdev)
        {
            var map = new iommu_ioas_map
            {
                ioas_id = _ioasId!.Value,
                flags = (uint)(iommufd_ioas_map_flags.IOMMU_IOAS_MAP_FIXED_IOVA | iommufd_ioas_map_flags.IOMMU_IOAS_MAP_READABLE | iommufd_ioas_map_flags.IOMMU_IOAS_MAP_WRITEABLE),
                user_va = (ulong)mapping.Address,
                length = mapping.Length,
                iova = mapping.Iova,
            };
            return Iommufd!.TryIOMMU_IOAS_MAP(ref map);
        }

        var dma = new vfio_iommu_type1_dma_map
        {
            flags = (uint)(vfio.VFIO_DMA_MAP_FLAG_READ | vfio.VFIO_DMA_MAP_FLAG_WRITE),
            vaddr = (ulong)mapping.Address,
            iova = mapping.Iova,
            size = mapping.Length,
        };
        return Handle!.TryVFIO_IOMMU_MAP_DMA(ref dma);
    }

    private long KernelUnmap(DmaMapping mapping)
    {
        if (_mode == VfioMode.Cdev)
        {
            var unmap = new iommu_ioas_unmap { ioas_id = _ioasId!.Value, iova = mapping.Iova, length = mapping.Length };
            return Iommufd!.TryIOMMU_IOAS_UNMAP(ref unmap);
        }

        var dma = new vfio_iommu_type1_dma_unmap { iova = mapping.Iova, size = mapping.Length };
        return Handle!.TryVFIO_IOMMU_UNMAP_DMA(ref dma);
    }

    private DmaMapping MapPhysical(DmaBuffer buffer)
    {
        if (!buffer.TryAddMapping())
        {
            throw new ArgumentException("the DMA buffer was disposed", nameof(buffer));
        }

        try
        {
            var physical = PhysicalAddresses.Resolve(_vfio.Kernel, buffer.Address, buffer.Length);
            var mapping = new DmaMapping(physical, buffer.Length, buffer.Address);
            Insert(mapping, buffer);
            return mapping;
        }
        catch
        {
            buffer.RemoveMapping();
            throw;
        }
    }

    /// <summary>The checked map, under the gate: takes a reference on the buffer, asks the kernel, records the mapping.</summary>
    private long TryMapLocked(DmaBuffer buffer, ulong offset, ulong length, ulong iova, out DmaMapping mapping)
    {
        mapping = default;
        if (!buffer.TryAddMapping())
        {
            throw new ArgumentException("the DMA buffer was disposed", nameof(buffer));
        }

        var candidate = new DmaMapping(iova, length, buffer.Address + (nint)offset);

        // No-IOMMU modes have no IOVAs to choose: a device there uses physical addresses (Map(buffer)).
        var result = _mode is VfioMode.NoIommuGroup or VfioMode.NoIommuCdev ? -Errno.EINVAL.Value : KernelMap(candidate);
        if (result < 0)
        {
            buffer.RemoveMapping();
            return result;
        }

        Insert(candidate, buffer);
        mapping = candidate;
        return 0;
    }

    private VfioException MapFailure(long result, ulong length, ulong iova)
    {
        var step = $"mapping {length} bytes at IOVA 0x{iova:x} in {Describe()}";
        var errno = Errno.FromResult(result);
        if (_mode is VfioMode.NoIommuGroup or VfioMode.NoIommuCdev)
        {
            return new VfioException(step, errno, "no-IOMMU modes map nothing: the device uses physical addresses, which Map(buffer) reports");
        }

        return errno.Value switch
        {
            17 => new VfioException(step, errno, "the range overlaps a mapping this container already has"),
            _ when !_ranges.Any(r => r.Contains(iova, length)) => new VfioException(step, errno, $"the range is outside the IOMMU's IOVA ranges ({string.Join(", ", _ranges.Select(r => $"0x{r.Start:x}-0x{r.Last:x}"))})"),
            _ => VfioException.From(result, step),
        };
    }

    /// <summary>The index of exactly <paramref name="mapping"/>, or -1: binary search on the IOVA, then the equal ones (no-IOMMU modes may hold the same buffer twice).</summary>
    private int IndexOf(DmaMapping mapping)
    {
        for (var index = LowerBound(mapping.Iova); index < _mappings.Count && _mappings[index].Iova == mapping.Iova; index++)
        {
            if (_mappings[index] == mapping)
            {
                return index;
            }
        }

        return -1;
    }

    private int LowerBound(ulong iova)
    {
        int low = 0, high = _mappings.Count;
        while (low < high)
        {
            var middle = (int)((uint)(low + high) >> 1);
            if (_mappings[middle].Iova < iova)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    // The two lists keep their capacity: once warm, a map or unmap allocates nothing.
    private void Insert(DmaMapping mapping, DmaBuffer buffer)
    {
        var index = LowerBound(mapping.Iova);
        _mappings.Insert(index, mapping);
        _buffers.Insert(index, buffer);
    }

    private void RemoveAt(int index)
    {
        _mappings.RemoveAt(index);
        var buffer = _buffers[index];
        _buffers.RemoveAt(index);
        buffer.RemoveMapping();
    }
}
