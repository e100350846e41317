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
    private const ulong PageSize = 4096;

    private readonly Lifecycle<VfioContainer, ContainerState> _lifecycle;
    private readonly List<DmaMapping> _mappings = new(16);
    private readonly List<DmaBuffer> _buffers = new(16);
    private readonly List<object> _members = [];
    private IReadOnlyList<IovaRange> _ranges = [];
    private IovaAllocator? _allocator;
    private int _iommuType;

    internal VfioContainer(Vfio vfio, bool isDefault)
    {
        Vfio = vfio;
        IsDefault = isDefault;
        Mode = vfio.Mode;
        _lifecycle = new Lifecycle<VfioContainer, ContainerState>(Describe);
        var kernel = vfio.Kernel;
        switch (Mode)
        {
            case VfioMode.Group or VfioMode.NoIommuGroup:
                var fd = kernel.Open("/dev/vfio/vfio", OpenFlags.ReadWrite | OpenFlags.CloseOnExec);
                VfioException.ThrowIfFailed(fd, "opening the VFIO container /dev/vfio/vfio");
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
                VfioException.ThrowIfFailed(iommufdFd, "opening /dev/iommu");
                Iommufd = new IommufdHandle(kernel, iommufdFd);
                var alloc = default(iommu_ioas_alloc);
                var allocated = Iommufd.TryIOMMU_IOAS_ALLOC(ref alloc);
                if (allocated < 0)
                {
                    Iommufd.Dispose();
                    throw VfioException.From(allocated, $"allocating an IOAS in /dev/iommu (fd {iommufdFd})");
                }

                IoasId = alloc.out_ioas_id;
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
                VfioException.ThrowIfFailed(noIommuFd, "opening /dev/iommu");
                Iommufd = new IommufdHandle(kernel, noIommuFd);
                _ranges = [new IovaRange(0, ulong.MaxValue)];
                _lifecycle.MoveTo(ContainerState.Ready);
                break;
        }
    }

    /// <summary>The runtime this container belongs to.</summary>
    public Vfio Vfio { get; }

    /// <summary>Whether this is the runtime's default container.</summary>
    public bool IsDefault { get; }

    /// <summary>How this container reaches the IOMMU.</summary>
    public VfioMode Mode { get; }

    /// <summary>The container's state.</summary>
    public ContainerState State => _lifecycle.State;

    /// <summary>The IOAS id in cdev mode (what a broker hands to a worker); null in other modes.</summary>
    public uint? IoasId { get; }

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

    /// <summary>The mappings made, sorted by IOVA (kept across a last-group-leaves, and mapped again after).</summary>
    public IReadOnlyList<DmaMapping> Mappings
    {
        get
        {
            lock (_lifecycle.Gate)
            {
                return [.. _mappings];
            }
        }
    }

    internal ContainerHandle? Handle { get; }

    internal IommufdHandle? Iommufd { get; }

    /// <summary>Maps all of <paramref name="buffer"/> at an IOVA the container chooses inside its ranges.</summary>
    /// <param name="buffer">The memory.</param>
    /// <returns>The mapping.</returns>
    /// <exception cref="InvalidStateException">The container is not <see cref="ContainerState.Ready"/>.</exception>
    /// <exception cref="VfioException">No room, or the kernel refused.</exception>
    [RequiresState(ContainerState.Ready, MissingStep = "VfioGroup.SetContainer")]
    public DmaMapping Map(DmaBuffer buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        lock (_lifecycle.Gate)
        {
            _lifecycle.Require();
            if (Mode is VfioMode.NoIommuGroup or VfioMode.NoIommuCdev)
            {
                return MapPhysical(buffer);
            }

            if (!_allocator!.TryAllocate(buffer.Length, PageSize, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_mappings), out var iova))
            {
                throw new VfioException($"finding {buffer.Length} bytes of free IOVA space in {Describe()}");
            }

            return Map(buffer, iova);
        }
    }

    /// <summary>Maps all of <paramref name="buffer"/> at <paramref name="iova"/>.</summary>
    /// <param name="buffer">The memory.</param>
    /// <param name="iova">The IOVA, page aligned.</param>
    /// <returns>The mapping.</returns>
    /// <exception cref="InvalidStateException">The container is not <see cref="ContainerState.Ready"/>.</exception>
    /// <exception cref="VfioException">The kernel refused (overlap: EEXIST; outside the ranges: EINVAL; memlock: ENOMEM).</exception>
    [RequiresState(ContainerState.Ready, MissingStep = "VfioGroup.SetContainer")]
    public DmaMapping Map(DmaBuffer buffer, ulong iova)
    {
        var result = TryMap(buffer, iova, out var mapping);
        VfioException.ThrowIfFailed(result, $"mapping {buffer.Length} bytes at IOVA 0x{iova:x} in {Describe()}");
        return mapping;
    }

    /// <summary>Maps all of <paramref name="buffer"/> at <paramref name="iova"/>, reporting the kernel's refusal as <c>-errno</c>. Allocates nothing once warm.</summary>
    /// <param name="buffer">The memory.</param>
    /// <param name="iova">The IOVA, page aligned.</param>
    /// <param name="mapping">The mapping when it succeeded.</param>
    /// <returns>0, or <c>-errno</c>.</returns>
    /// <exception cref="InvalidStateException">The container is not <see cref="ContainerState.Ready"/>.</exception>
    /// <exception cref="ArgumentException">The buffer was disposed, or <paramref name="iova"/> + length overflows.</exception>
    [RequiresState(ContainerState.Ready, MissingStep = "VfioGroup.SetContainer")]
    public long TryMap(DmaBuffer buffer, ulong iova, out DmaMapping mapping)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        mapping = default;
        if (iova + buffer.Length - 1 < iova)
        {
            throw new ArgumentException($"IOVA 0x{iova:x} + {buffer.Length} bytes overflows 64 bits", nameof(iova));
        }

        lock (_lifecycle.Gate)
        {
            _lifecycle.Require();
            if (!buffer.TryAddMapping())
            {
                throw new ArgumentException("the DMA buffer was disposed", nameof(buffer));
            }

            var candidate = new DmaMapping(iova, buffer.Length, buffer.Address);
            var result = Mode is VfioMode.NoIommuGroup or VfioMode.NoIommuCdev ? -22 : KernelMap(candidate);
            if (result < 0)
            {
                buffer.RemoveMapping();
                return result;
            }

            Insert(candidate, buffer);
            mapping = candidate;
            return 0;
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
        VfioException.ThrowIfFailed(result, $"unmapping IOVA 0x{mapping.Iova:x} ({mapping.Length} bytes) from {Describe()}");
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
            var index = _mappings.IndexOf(mapping);
            if (index < 0)
            {
                throw new ArgumentException($"{Describe()} has no mapping at IOVA 0x{mapping.Iova:x} of {mapping.Length} bytes (never mapped, or unmapped already)", nameof(mapping));
            }

            // In Empty state the kernel already dropped it with the last group.
            var result = State == ContainerState.Ready && Mode is VfioMode.Group or VfioMode.Cdev ? KernelUnmap(mapping) : 0;
            if (result < 0)
            {
                return result;
            }

            _mappings.RemoveAt(index);
            var buffer = _buffers[index];
            _buffers.RemoveAt(index);
            buffer.RemoveMapping();
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
                if (State == ContainerState.Ready && Mode is VfioMode.Group or VfioMode.Cdev)
                {
                    _ = KernelUnmap(_mappings[last]);
                }

                _mappings.RemoveAt(last);
                var buffer = _buffers[last];
                _buffers.RemoveAt(last);
                buffer.RemoveMapping();
            }

            if (Iommufd is not null && IoasId is { } ioas)
            {
                var destroy = new iommu_destroy { id = ioas };
                _ = Iommufd.TryIOMMU_DESTROY(ref destroy);
            }

            Iommufd?.Dispose();

            Handle?.Dispose();
            _lifecycle.Complete();
        }

        Vfio.Forget(this);
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
            if (_members.Count == 0 && Mode is VfioMode.Group or VfioMode.NoIommuGroup && State == ContainerState.Ready)
            {
                _lifecycle.MoveTo(ContainerState.Empty);
            }
        }
    }

    internal string Describe() => Mode switch
    {
        VfioMode.Cdev => $"IOAS {IoasId} of /dev/iommu (fd {Iommufd?.DangerousGetFd()}), {State}",
        VfioMode.NoIommuCdev => $"no-IOMMU DMA space, {State}",
        _ => $"VFIO container /dev/vfio/vfio (fd {Handle?.DangerousGetFd()}), {State}",
    };

    private void SetIommu()
    {
        var handle = Handle!;
        int[] candidates = Mode == VfioMode.NoIommuGroup ? [vfio.VFIO_NOIOMMU_IOMMU] : [vfio.VFIO_TYPE1v2_IOMMU, vfio.VFIO_TYPE1_IOMMU];
        foreach (var type in candidates)
        {
            if (handle.TryVFIO_CHECK_EXTENSION((uint)type) <= 0)
            {
                continue;
            }

            VfioException.ThrowIfFailed(handle.TryVFIO_SET_IOMMU(type), $"setting IOMMU type {type} on {Describe()}");
            _iommuType = type;
            if (Mode == VfioMode.Group)
            {
                RefreshRanges();
            }
            else
            {
                _ranges = [new IovaRange(0, ulong.MaxValue)];
            }

            return;
        }

        throw new VfioException($"choosing an IOMMU type for {Describe()}", advice: Mode == VfioMode.NoIommuGroup ? "the kernel offers no VFIO_NOIOMMU_IOMMU: set /sys/module/vfio/parameters/enable_unsafe_noiommu_mode to Y" : "the kernel offers neither type1v2 nor type1 (is vfio_iommu_type1 loaded?)");
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
        if (Mode == VfioMode.Cdev)
        {
            var request = new iommu_ioas_iova_ranges { ioas_id = IoasId!.Value };
            Iommufd!.IOMMU_IOAS_IOVA_RANGES(ref request, out PooledElements<iommu_iova_range> elements);
            using (elements)
            {
                foreach (var range in elements.Span)
                {
                    ranges.Add(new IovaRange(range.start, range.last));
                }
            }
        }
        else
        {
            using var reply = Handle!.VFIO_IOMMU_GET_INFO(default(vfio_iommu_type1_info));
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
        if (Mode == VfioMode.Cdev)
        {
            var map = new iommu_ioas_map
            {
                ioas_id = IoasId!.Value,
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
        if (Mode == VfioMode.Cdev)
        {
            var unmap = new iommu_ioas_unmap { ioas_id = IoasId!.Value, iova = mapping.Iova, length = mapping.Length };
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
            var physical = PhysicalAddresses.Resolve(Vfio.Kernel, buffer.Address, buffer.Length);
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

    private void Insert(DmaMapping mapping, DmaBuffer buffer)
    {
        var index = _mappings.Count;
        while (index > 0 && _mappings[index - 1].Iova > mapping.Iova)
        {
            index--;
        }

        _mappings.Insert(index, mapping);
        _buffers.Insert(index, buffer);
    }
}
