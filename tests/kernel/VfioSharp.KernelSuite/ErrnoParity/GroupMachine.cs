using VfioSharp.Handles;
using VfioSharp.Kernel;
using VfioSharp.Uapi;

namespace VfioSharp.KernelSuite.ErrnoParity;

/// <summary>
/// The guest's counterpart of the simulation tests' GroupMachine: edu's group (<c>/dev/vfio/N</c>, or
/// <c>/dev/vfio/noiommu-N</c> in no-IOMMU boots), the container node, and the raw steps of the group dance as
/// one-liners over the generated calls, so a row reads as its simulated twin does. Memory a row maps is unmapped
/// with the machine.
/// </summary>
internal sealed class GroupMachine(GuestEnvironment guest) : IDisposable
{
    public const uint ReadWrite = (uint)(vfio.VFIO_DMA_MAP_FLAG_READ | vfio.VFIO_DMA_MAP_FLAG_WRITE);

    private readonly GuestMemory _memory = new();

    public static IKernel Kernel => LinuxKernel.Instance;

    public string Address { get; } = guest.Device.ToString();

    /// <summary>The group node of this boot's flavour.</summary>
    public string GroupPath { get; } = GuestNodes.GroupPath(guest);

    /// <summary>The iommu type a group of this boot takes: type1v2, or no-IOMMU.</summary>
    public int IommuType { get; } = guest.HasIommu ? vfio.VFIO_TYPE1v2_IOMMU : vfio.VFIO_NOIOMMU_IOMMU;

    public static ContainerHandle OpenContainer() => new(Kernel, GuestNodes.Opened(Kernel.Open("/dev/vfio/vfio", OpenFlags.ReadWrite), "/dev/vfio/vfio"));

    public GroupHandle OpenGroup(string? path = null) => new(Kernel, GuestNodes.Opened(Kernel.Open(path ?? GroupPath, OpenFlags.ReadWrite), path ?? GroupPath));

    /// <summary>A container with the group in it and, unless <paramref name="iommuType"/> is 0, the IOMMU set.</summary>
    public (ContainerHandle Container, GroupHandle Group) Joined(int iommuType)
    {
        var container = OpenContainer();
        var group = OpenGroup();
        try
        {
            Reply.Require(group.TryVFIO_GROUP_SET_CONTAINER(container.DangerousGetFd()), "VFIO_GROUP_SET_CONTAINER");
            if (iommuType != 0)
            {
                Reply.Require(container.TryVFIO_SET_IOMMU(iommuType), "VFIO_SET_IOMMU");
            }
        }
        catch
        {
            group.Dispose();
            container.Dispose();
            throw;
        }

        return (container, group);
    }

    public DeviceHandle OpenDevice(GroupHandle group)
    {
        var result = group.TryVFIO_GROUP_GET_DEVICE_FD(Address, out var device);
        Reply.Require(result, "VFIO_GROUP_GET_DEVICE_FD");
        return device!;
    }

    /// <summary>VFIO_GROUP_GET_DEVICE_FD with <paramref name="name"/>; a device fd it gives is closed at once.</summary>
    public static long GetDeviceFd(GroupHandle group, string name)
    {
        var result = group.TryVFIO_GROUP_GET_DEVICE_FD(name, out var device);
        device?.Dispose();
        return result;
    }

    public nint Buffer(ulong length, MemoryProtection protection = MemoryProtection.Read | MemoryProtection.Write) => _memory.Buffer(length, protection);

    public static long Map(ContainerHandle container, nint vaddr, ulong iova, ulong size, uint flags = ReadWrite)
    {
        var map = new vfio_iommu_type1_dma_map { flags = flags, vaddr = (ulong)vaddr, iova = iova, size = size };
        return container.TryVFIO_IOMMU_MAP_DMA(ref map);
    }

    public static long Unmap(ContainerHandle container, ulong iova, ulong size, out ulong unmapped, uint flags = 0)
    {
        var unmap = new vfio_iommu_type1_dma_unmap { flags = flags, iova = iova, size = size };
        var result = container.TryVFIO_IOMMU_UNMAP_DMA(ref unmap);
        unmapped = unmap.size;
        return result;
    }

    public static uint Status(GroupHandle group)
    {
        var status = new vfio_group_status();
        Reply.Require(group.TryVFIO_GROUP_GET_STATUS(ref status), "VFIO_GROUP_GET_STATUS");
        return status.flags;
    }

    public void Dispose() => _memory.Dispose();
}
