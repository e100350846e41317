using VfioSharp.Handles;
using VfioSharp.Kernel;
using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.Tests.Cdev;
using VfioSharp.Uapi;

namespace VfioSharp.Simulation.Tests.Groups;

/// <summary>
/// A simulated machine for group mode: a <see cref="DmaProbeDevice"/> at 0000:00:01.0 in IOMMU group 5 (or the
/// no-IOMMU group noiommu-5 without an IOMMU), with the raw steps of the group dance as one-liners over the
/// generated calls. Handles it returns belong to the caller.
/// </summary>
internal sealed class GroupMachine
{
    public const string Address = "0000:00:01.0";
    public const int Group = 5;
    public const uint ReadWrite = (uint)(vfio.VFIO_DMA_MAP_FLAG_READ | vfio.VFIO_DMA_MAP_FLAG_WRITE);

    private static readonly AsyncLocal<SimulatedKernelProfile?> ProfileOverride = new();

    public GroupMachine(SimulatedKernelOptions? options = null)
    {
        Kernel = new SimulatedKernel(options ?? new SimulatedKernelOptions { Profile = Profile });
        Kernel.AddPciDevice(Device, Address, Group);
    }

    /// <summary>The profile machines are built with: Linux 6.17 (the table's kernel) unless <see cref="WithProfile"/> says otherwise.</summary>
    public static SimulatedKernelProfile Profile => ProfileOverride.Value ?? SimulatedKernelProfile.Linux617;

    public SimulatedKernel Kernel { get; }

    public DmaProbeDevice Device { get; } = new();

    public string GroupPath => Kernel.Options.Iommu ? "/dev/vfio/5" : "/dev/vfio/noiommu-5";

    /// <summary>A machine without IOMMU and with <c>enable_unsafe_noiommu_mode</c> on.</summary>
    public static GroupMachine NoIommu(bool root = true)
        => new(new SimulatedKernelOptions { Profile = Profile, Iommu = false, EnableUnsafeNoIommuMode = true, Root = root });

    /// <summary>Runs <paramref name="action"/> with machines of another profile (a misuse scenario replayed on another version).</summary>
    public static T WithProfile<T>(SimulatedKernelProfile profile, Func<T> action)
    {
        var previous = ProfileOverride.Value;
        ProfileOverride.Value = profile;
        try
        {
            return action();
        }
        finally
        {
            ProfileOverride.Value = previous;
        }
    }

    public ContainerHandle OpenContainer() => new(Kernel, Opened(Kernel.Open("/dev/vfio/vfio", OpenFlags.ReadWrite)));

    public GroupHandle OpenGroup(string? path = null) => new(Kernel, Opened(Kernel.Open(path ?? GroupPath, OpenFlags.ReadWrite)));

    /// <summary>A container with the group in it and, unless <paramref name="iommuType"/> is 0, the IOMMU set.</summary>
    public (ContainerHandle Container, GroupHandle Group) Joined(int iommuType = vfio.VFIO_TYPE1v2_IOMMU)
    {
        var container = OpenContainer();
        var group = OpenGroup();
        Assert.Equal(0, group.TryVFIO_GROUP_SET_CONTAINER(container.DangerousGetFd()));
        if (iommuType != 0)
        {
            Assert.Equal(0, container.TryVFIO_SET_IOMMU(iommuType));
        }

        return (container, group);
    }

    public static DeviceHandle OpenDevice(GroupHandle group, string name = Address)
    {
        var result = group.TryVFIO_GROUP_GET_DEVICE_FD(name, out var device);
        Assert.True(result >= 0, $"VFIO_GROUP_GET_DEVICE_FD failed: {result}");
        return device!;
    }

    /// <summary>Anonymous memory of the simulated process.</summary>
    public nint Buffer(ulong length, MemoryProtection protection = MemoryProtection.Read | MemoryProtection.Write)
    {
        var address = Kernel.Mmap(0, (nuint)length, protection, MapFlags.Private | MapFlags.Anonymous, -1, 0);
        Assert.True(address > 0, $"mmap failed: {address}");
        return address;
    }

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
        Assert.Equal(0, group.TryVFIO_GROUP_GET_STATUS(ref status));
        return status.flags;
    }

    /// <summary>Turns on bus mastering through the device fd's config region (index 7): no DMA without it.</summary>
    public void EnableBusMaster(DeviceHandle device)
    {
        Span<byte> command = [0x06, 0x00];
        Assert.Equal(2, Kernel.PWrite(device.DangerousGetFd(), command, (7L << 40) + 4));
    }

    private static int Opened(int fd)
    {
        Assert.True(fd >= 0, $"open failed: {fd}");
        return fd;
    }
}
