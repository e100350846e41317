using VfioSharp.Handles;
using VfioSharp.Kernel;
using VfioSharp.Simulation.Core;
using VfioSharp.Uapi;

namespace VfioSharp.Simulation.Tests.Cdev;

/// <summary>
/// A simulated 6.17 machine with one device (a <see cref="DmaProbeDevice"/> at 0000:00:01.0, IOMMU group 5, cdev
/// vfio0) and an open <c>/dev/iommu</c>, with the raw steps of the cdev dance as one-liners over the generated calls.
/// </summary>
internal sealed class CdevMachine : IDisposable
{
    public const string Address = "0000:00:01.0";
    public const string CdevPath = "/dev/vfio/devices/vfio0";
    public const uint ReadWrite = (uint)(iommufd_ioas_map_flags.IOMMU_IOAS_MAP_READABLE | iommufd_ioas_map_flags.IOMMU_IOAS_MAP_WRITEABLE);
    public const uint FixedReadWrite = ReadWrite | (uint)iommufd_ioas_map_flags.IOMMU_IOAS_MAP_FIXED_IOVA;

    public CdevMachine(SimulatedKernelOptions? options = null)
    {
        Kernel = new SimulatedKernel(options ?? new SimulatedKernelOptions { Profile = SimulatedKernelProfile.Linux617 });
        Kernel.AddPciDevice(Device, Address, iommuGroup: 5);
        Iommufd = OpenIommufd();
    }

    public SimulatedKernel Kernel { get; }

    public DmaProbeDevice Device { get; } = new();

    public IommufdHandle Iommufd { get; }

    /// <summary>A Linux errno's number from its name ("EINVAL"), or 0 for "0".</summary>
    public static int ErrnoOf(string name)
        => name == "0" ? 0 : Enumerable.Range(1, 133).First(value => new Errno(value).Name == name);

    public IommufdHandle OpenIommufd() => new(Kernel, Opened(Kernel.Open("/dev/iommu", OpenFlags.ReadWrite)));

    public DeviceHandle OpenCdev() => new(Kernel, Opened(Kernel.Open(CdevPath, OpenFlags.ReadWrite)));

    public uint AllocateIoas() => AllocateIoas(Iommufd);

    public static uint AllocateIoas(IommufdHandle iommufd)
    {
        var alloc = new iommu_ioas_alloc();
        Assert.Equal(0, iommufd.TryIOMMU_IOAS_ALLOC(ref alloc));
        return alloc.out_ioas_id;
    }

    /// <summary>Anonymous read-write memory of the simulated process (what pin_user_pages can pin).</summary>
    public nint Buffer(ulong length, MemoryProtection protection = MemoryProtection.Read | MemoryProtection.Write)
    {
        var address = Kernel.Mmap(0, (nuint)length, protection, MapFlags.Private | MapFlags.Anonymous, -1, 0);
        Assert.True(address > 0, $"mmap failed: {address}");
        return address;
    }

    public long Map(uint ioas, nint userVa, ulong length, ref ulong iova, uint flags = FixedReadWrite)
    {
        var map = new iommu_ioas_map { ioas_id = ioas, user_va = (ulong)userVa, length = length, iova = iova, flags = flags };
        var result = Iommufd.TryIOMMU_IOAS_MAP(ref map);
        iova = map.iova;
        return result;
    }

    public long Map(uint ioas, nint userVa, ulong length, ulong iova, uint flags = FixedReadWrite) => Map(ioas, userVa, length, ref iova, flags);

    public long Unmap(uint ioas, ulong iova, ulong length, out ulong unmapped)
    {
        var unmap = new iommu_ioas_unmap { ioas_id = ioas, iova = iova, length = length };
        var result = Iommufd.TryIOMMU_IOAS_UNMAP(ref unmap);
        unmapped = unmap.length;
        return result;
    }

    public long Bind(DeviceHandle device, out uint deviceId) => Bind(device, Iommufd, out deviceId);

    public static long Bind(DeviceHandle device, IommufdHandle iommufd, out uint deviceId)
    {
        var bind = new vfio_device_bind_iommufd { iommufd = iommufd.DangerousGetFd() };
        var result = device.TryVFIO_DEVICE_BIND_IOMMUFD(ref bind);
        deviceId = bind.out_devid;
        return result;
    }

    public static long Attach(DeviceHandle device, ref uint ptId)
    {
        var attach = new vfio_device_attach_iommufd_pt { pt_id = ptId };
        var result = device.TryVFIO_DEVICE_ATTACH_IOMMUFD_PT(ref attach);
        ptId = attach.pt_id;
        return result;
    }

    public static long Detach(DeviceHandle device)
    {
        var detach = new vfio_device_detach_iommufd_pt();
        return device.TryVFIO_DEVICE_DETACH_IOMMUFD_PT(ref detach);
    }

    public long Destroy(uint id)
    {
        var destroy = new iommu_destroy { id = id };
        return Iommufd.TryIOMMU_DESTROY(ref destroy);
    }

    /// <summary>Opens the cdev, binds it and attaches it to <paramref name="ioas"/>; returns the device and the HWPT id.</summary>
    public (DeviceHandle Device, uint DeviceId, uint HwptId) Attached(uint ioas)
    {
        var device = OpenCdev();
        Assert.Equal(0, Bind(device, out var deviceId));
        var ptId = ioas;
        Assert.Equal(0, Attach(device, ref ptId));
        EnableBusMaster(device);
        return (device, deviceId, ptId);
    }

    /// <summary>Turns on bus mastering through the device fd's config region (index 7): no DMA without it.</summary>
    public void EnableBusMaster(DeviceHandle device)
    {
        Span<byte> command = [0x06, 0x00];
        Assert.Equal(2, Kernel.PWrite(device.DangerousGetFd(), command, (7L << 40) + 4));
    }

    /// <summary>The IOVA ranges IOMMU_IOAS_IOVA_RANGES reports, and the alignment.</summary>
    public (List<(ulong Start, ulong Last)> Ranges, ulong Alignment) IovaRanges(uint ioas)
    {
        Span<iommu_iova_range> room = stackalloc iommu_iova_range[8];
        var request = new iommu_ioas_iova_ranges { ioas_id = ioas };
        Assert.Equal(0, Iommufd.TryIOMMU_IOAS_IOVA_RANGES(ref request, room));
        var ranges = new List<(ulong, ulong)>();
        for (var i = 0; i < request.num_iovas; i++)
        {
            ranges.Add((room[i].start, room[i].last));
        }

        return (ranges, request.out_iova_alignment);
    }

    public void Dispose()
    {
        Iommufd.Dispose();
    }

    private static int Opened(int fd)
    {
        Assert.True(fd >= 0, $"open failed: {fd}");
        return fd;
    }
}
