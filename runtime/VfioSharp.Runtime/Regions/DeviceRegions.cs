using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VfioSharp.Capabilities;
using VfioSharp.Devices;
using VfioSharp.Uapi;

namespace VfioSharp.Regions;

/// <summary>
/// The regions of a device (<see cref="VfioDevice.Regions"/>): their info with capabilities, register access
/// through pread/pwrite or through a mapping, the BARs by number and config space.
/// </summary>
/// <remarks>
/// A region's info is asked once (VFIO_DEVICE_GET_REGION_INFO, growing <c>argsz</c> for the capability chain) and
/// kept: vfio-pci fixes a device's regions when it is opened. Every member checks the device's state (a released
/// device throws <see cref="Lifecycle.InvalidStateException"/>) and may be called from any thread.
/// </remarks>
public sealed class DeviceRegions
{
    private readonly VfioDevice _device;
    private readonly Dictionary<uint, RegionInfo> _infos = [];
    private readonly Dictionary<uint, MmioAccess> _accesses = [];
    private readonly List<MappedRegion> _mapped = [];
    private ConfigSpace? _configSpace;
    private uint? _count;

    internal DeviceRegions(VfioDevice device)
    {
        _device = device;
    }

    /// <summary>How many regions the device has (VFIO_DEVICE_GET_INFO's <c>num_regions</c>: 9 for a PCI device without device-specific regions).</summary>
    /// <exception cref="VfioException">The kernel refused.</exception>
    public uint Count
    {
        get
        {
            lock (_device.Lifecycle.Gate)
            {
                Require();
                return _count ??= _device.GetInfo().RegionCount;
            }
        }
    }

    /// <summary>The device's config space (region 7), read and written through pread/pwrite.</summary>
    /// <exception cref="VfioException">The kernel refused the region's info.</exception>
    public ConfigSpace ConfigSpace
    {
        get
        {
            lock (_device.Lifecycle.Gate)
            {
                Require();
                return _configSpace ??= new ConfigSpace(Access(vfio.VFIO_PCI_CONFIG_REGION_INDEX));
            }
        }
    }

    /// <summary>A region's info with its capabilities (sparse-mmap areas, type, MSI-X mappable).</summary>
    /// <param name="index">The region index, below <see cref="Count"/>.</param>
    /// <returns>The info.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The device has no region <paramref name="index"/>.</exception>
    /// <exception cref="VfioException">The kernel refused, or its reply is malformed.</exception>
    public RegionInfo GetInfo(uint index)
    {
        lock (_device.Lifecycle.Gate)
        {
            Require();
            if (_infos.TryGetValue(index, out var known))
            {
                return known;
            }

            var count = Count;
            if (index >= count)
            {
                throw new ArgumentOutOfRangeException(nameof(index), index, $"{_device} has {count} regions (0..{count - 1})");
            }

            var info = VfioException.Wrap($"reading the info of region {index} of {_device}", () => Read(index));
            _infos.Add(index, info);
            return info;
        }
    }

    /// <summary>
    /// The info of every region in index order, absent ones included as size 0: an unimplemented BAR, and the
    /// VGA region of a device without VGA, which vfio-pci refuses with EINVAL (vfio_pci_ioctl_get_region_info).
    /// </summary>
    /// <returns>The infos.</returns>
    /// <exception cref="VfioException">The kernel refused otherwise.</exception>
    public IReadOnlyList<RegionInfo> GetAll()
    {
        lock (_device.Lifecycle.Gate)
        {
            Require();
            var all = new RegionInfo[Count];
            for (var i = 0u; i < all.Length; i++)
            {
                try
                {
                    all[i] = GetInfo(i);
                }
                catch (VfioException refused) when (refused.Errno == Kernel.Errno.EINVAL)
                {
                    all[i] = new RegionInfo(i, 0, 0, 0, []);
                }
            }

            return all;
        }
    }

    /// <summary>A BAR's info.</summary>
    /// <param name="bar">0–5.</param>
    /// <returns>The info (size 0 for a BAR the device does not have, or the upper half of a 64-bit BAR).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bar"/> is not 0–5.</exception>
    public RegionInfo GetBarInfo(int bar) => GetInfo(BarIndex(bar));

    /// <summary>
    /// Register access to a region through pread/pwrite only: what config space, I/O-port BARs and regions
    /// without VFIO_REGION_INFO_FLAG_MMAP need, and what a driver uses when it wants no mapping. Nothing to dispose.
    /// </summary>
    /// <param name="index">The region index.</param>
    /// <returns>The accessor (the same one on every call).</returns>
    /// <exception cref="ArgumentOutOfRangeException">The device has no region <paramref name="index"/>.</exception>
    /// <exception cref="VfioException">The kernel refused the region's info.</exception>
    public MmioAccess Access(uint index)
    {
        lock (_device.Lifecycle.Gate)
        {
            Require();
            if (!_accesses.TryGetValue(index, out var access))
            {
                access = new MmioAccess(_device, GetInfo(index), []);
                _accesses.Add(index, access);
            }

            return access;
        }
    }

    /// <summary>Register access to a BAR through pread/pwrite only (<see cref="Access"/>).</summary>
    /// <param name="bar">0–5.</param>
    /// <returns>The accessor.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bar"/> is not 0–5.</exception>
    public MmioAccess Bar(int bar) => Access(BarIndex(bar));

    /// <summary>
    /// Maps a region's mmap-able areas (all of it on Linux for an ordinary BAR; the areas of its sparse-mmap
    /// capability where the kernel keeps some pages, e.g. the MSI-X table, to itself): accesses there are single
    /// loads and stores, elsewhere pread/pwrite. A region without VFIO_REGION_INFO_FLAG_MMAP maps nothing and
    /// works through pread/pwrite alone. Dispose it to unmap; releasing the device unmaps it too.
    /// </summary>
    /// <param name="index">The region index.</param>
    /// <returns>The mapped region.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The device has no region <paramref name="index"/>.</exception>
    /// <exception cref="VfioException">The kernel refused a mapping (nothing stays mapped).</exception>
    public MappedRegion Map(uint index)
    {
        lock (_device.Lifecycle.Gate)
        {
            Require();
            var region = MappedRegion.Map(_device, GetInfo(index), this);
            _mapped.Add(region);
            return region;
        }
    }

    /// <summary>Maps a BAR (<see cref="Map"/>).</summary>
    /// <param name="bar">0–5.</param>
    /// <returns>The mapped BAR.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bar"/> is not 0–5.</exception>
    /// <exception cref="VfioException">The kernel refused a mapping (nothing stays mapped).</exception>
    public MappedRegion MapBar(int bar) => Map(BarIndex(bar));

    /// <inheritdoc/>
    public override string ToString() => $"regions of {_device}";

    /// <summary>Unmaps every region still mapped: the device is being released (the caller holds its gate).</summary>
    internal void Release()
    {
        MappedRegion[] mapped;
        lock (_device.Lifecycle.Gate)
        {
            mapped = [.. _mapped];
        }

        foreach (var region in mapped)
        {
            region.Dispose();
        }
    }

    /// <summary>A mapped region was disposed.</summary>
    internal void Forget(MappedRegion region)
    {
        lock (_device.Lifecycle.Gate)
        {
            _mapped.Remove(region);
        }
    }

    private static uint BarIndex(int bar, [CallerArgumentExpression(nameof(bar))] string name = "")
    {
        if (bar is < 0 or > (int)vfio.VFIO_PCI_BAR5_REGION_INDEX)
        {
            throw new ArgumentOutOfRangeException(name, bar, "a PCI device has BARs 0 to 5");
        }

        return vfio.VFIO_PCI_BAR0_REGION_INDEX + (uint)bar;
    }

    private void Require() => _device.Lifecycle.Require(nameof(VfioDevice.Regions));

    private RegionInfo Read(uint index)
    {
        using var reply = _device.Handle.VFIO_DEVICE_GET_REGION_INFO(new vfio_region_info { index = index });
        var info = reply.Value;
        var areas = new List<(ulong, ulong)>();
        var sparse = false;
        RegionType? type = null;
        var msixMappable = false;
        if ((info.flags & vfio.VFIO_REGION_INFO_FLAG_CAPS) != 0)
        {
            foreach (var capability in reply.Capabilities())
            {
                switch (capability.Id)
                {
                    case vfio.VFIO_REGION_INFO_CAP_SPARSE_MMAP:
                        sparse = true;
                        ReadSparseAreas(capability, info.size, areas);
                        break;
                    case vfio.VFIO_REGION_INFO_CAP_TYPE:
                        var cap = capability.Read<vfio_region_info_cap_type>();
                        type = new RegionType(cap.type, cap.subtype);
                        break;
                    case vfio.VFIO_REGION_INFO_CAP_MSIX_MAPPABLE:
                        msixMappable = true;
                        break;
                    default:
                        break;
                }
            }
        }

        // Without MMAP the sparse areas say nothing mappable (vfio-pci sets both or neither); QEMU's
        // vfio_setup_region_sparse_mmaps likewise maps nothing then.
        if ((info.flags & vfio.VFIO_REGION_INFO_FLAG_MMAP) == 0)
        {
            areas.Clear();
        }
        else if (!sparse && info.size != 0)
        {
            areas.Add((0, info.size));
        }

        return new RegionInfo(info.index, info.flags, info.size, info.offset, areas)
        {
            HasSparseMmap = sparse,
            Type = type,
            MsixMappable = msixMappable,
        };
    }

    private static void ReadSparseAreas(Capability capability, ulong regionSize, List<(ulong, ulong)> areas)
    {
        var header = capability.Read<vfio_region_info_cap_sparse_mmap>();
        var entrySize = Unsafe.SizeOf<vfio_region_sparse_mmap_area>();
        var entries = capability.Bytes[Unsafe.SizeOf<vfio_region_info_cap_sparse_mmap>()..];
        if ((ulong)header.nr_areas * (ulong)entrySize > (ulong)entries.Length)
        {
            throw new InvalidDataException($"the sparse-mmap capability lists {header.nr_areas} areas in {entries.Length} bytes");
        }

        for (var i = 0; i < (int)header.nr_areas; i++)
        {
            var area = MemoryMarshal.Read<vfio_region_sparse_mmap_area>(entries[(i * entrySize)..]);

            // vfio-pci lists empty areas where the MSI-X table fills a whole BAR's start or end; nothing to map.
            if (area.size == 0)
            {
                continue;
            }

            if (area.offset > regionSize || regionSize - area.offset < area.size)
            {
                throw new InvalidDataException($"sparse-mmap area {i} (0x{area.offset:x}, 0x{area.size:x} bytes) lies outside the 0x{regionSize:x}-byte region");
            }

            areas.Add((area.offset, area.size));
        }
    }
}
