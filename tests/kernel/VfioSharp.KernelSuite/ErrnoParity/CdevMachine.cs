using VfioSharp.Handles;
using VfioSharp.Kernel;
using VfioSharp.Uapi;

namespace VfioSharp.KernelSuite.ErrnoParity;

/// <summary>
/// The guest's counterpart of the simulation tests' CdevMachine: a <c>/dev/iommu</c> fd of its own, edu's cdev,
/// and the raw steps of the cdev dance as one-liners over the generated calls. Memory a row maps is unmapped with
/// the machine, after the iommufd is closed.
/// </summary>
internal sealed class CdevMachine : IDisposable
{
    public const uint ReadWrite = (uint)(iommufd_ioas_map_flags.IOMMU_IOAS_MAP_READABLE | iommufd_ioas_map_flags.IOMMU_IOAS_MAP_WRITEABLE);
    public const uint FixedReadWrite = ReadWrite | (uint)iommufd_ioas_map_flags.IOMMU_IOAS_MAP_FIXED_IOVA;

    private readonly GuestMemory _memory = new();

    public CdevMachine()
    {
        Iommufd = OpenIommufd();
    }

    public static IKernel Kernel => LinuxKernel.Instance;

    public IommufdHandle Iommufd { get; }

    public static string CdevPath => GuestNodes.CdevPath() ?? throw new InvalidOperationException("this boot has no device cdev");

    public static IommufdHandle OpenIommufd() => new(Kernel, GuestNodes.Opened(Kernel.Open("/dev/iommu", OpenFlags.ReadWrite), "/dev/iommu"));

    public static DeviceHandle OpenCdev() => new(Kernel, GuestNodes.Opened(Kernel.Open(CdevPath, OpenFlags.ReadWrite), CdevPath));

    public uint AllocateIoas()
    {
        var alloc = new iommu_ioas_alloc();
        Reply.Require(Iommufd.TryIOMMU_IOAS_ALLOC(ref alloc), "IOMMU_IOAS_ALLOC");
        return alloc.out_ioas_id;
    }

    public nint Buffer(ulong length, MemoryProtection protection = MemoryProtection.Read | MemoryProtection.Write) => _memory.Buffer(length, protection);

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

    public long Bind(DeviceHandle device, out uint deviceId)
    {
        var bind = new vfio_device_bind_iommufd { iommufd = Iommufd.DangerousGetFd() };
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

    /// <summary>Opens the cdev, binds it and attaches it to <paramref name="ioas"/>; the caller disposes the device.</summary>
    public DeviceHandle Attached(uint ioas)
    {
        var device = OpenCdev();
        try
        {
            Reply.Require(Bind(device, out _), "VFIO_DEVICE_BIND_IOMMUFD");
            var ptId = ioas;
            Reply.Require(Attach(device, ref ptId), "VFIO_DEVICE_ATTACH_IOMMUFD_PT");
            return device;
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Iommufd.Dispose();
        _memory.Dispose();
    }
}
