using VfioSharp.Dma;
using VfioSharp.Handles;
using VfioSharp.Kernel;
using VfioSharp.Uapi;

namespace VfioSharp.KernelSuite.ErrnoParity;

/// <summary>
/// Misuse-table rows of mode <c>group</c> (container and group fds) committed on the real kernel with raw typed
/// ioctls, each on fds of its own, returning 0 or −errno to compare with the table. These mirror the simulated
/// kernel's scenarios of the same ids (tests/VfioSharp.Simulation.Tests/MisuseTable/GroupContainerMisuseScenarios),
/// which are bound to the simulated machine's kernel and device and cannot run here as they are.
/// </summary>
internal static class GroupRows
{
    private const ulong Iova = 0x100000;
    private const uint ReadWrite = (uint)(vfio.VFIO_DMA_MAP_FLAG_READ | vfio.VFIO_DMA_MAP_FLAG_WRITE);

    // An address no mapping of this process holds (the top of the lower half, far above anything mapped).
    private static readonly nint Unmapped = unchecked((nint)0x7000_0000_0000L);

    public static IReadOnlyDictionary<string, Func<GuestEnvironment, long>> All { get; } = new Dictionary<string, Func<GuestEnvironment, long>>(StringComparer.Ordinal)
    {
        ["container-set-iommu-no-group"] = _ =>
        {
            using var container = OpenContainer();
            return container.TryVFIO_SET_IOMMU(vfio.VFIO_TYPE1v2_IOMMU);
        },
        ["container-set-iommu-twice"] = g => Joined(g, true, (c, _) => c.TryVFIO_SET_IOMMU(vfio.VFIO_TYPE1v2_IOMMU)),
        ["container-set-iommu-unsupported-type"] = g => Joined(g, false, (c, _) => c.TryVFIO_SET_IOMMU(42)),
        ["container-map-before-set-iommu"] = g => Joined(g, false, (c, _) => Map(c, Iova, 4096)),
        ["container-get-info-before-set-iommu"] = g => Joined(g, false, (c, _) =>
        {
            var info = new vfio_iommu_type1_info();
            return c.TryVFIO_IOMMU_GET_INFO(ref info);
        }),
        ["container-map-size-zero"] = g => Joined(g, true, (c, _) => Map(c, Iova, 0)),
        ["container-map-unaligned"] = g => Joined(g, true, (c, _) => Map(c, Iova + 0x800, 4096)),
        ["container-map-overlap"] = g => Joined(g, true, (c, _) => Map(c, Iova, 4096) is var first and not 0 ? first : Map(c, Iova, 4096)),
        ["container-map-vaddr-unmapped"] = g => Joined(g, true, (c, _) =>
        {
            var map = new vfio_iommu_type1_dma_map { flags = ReadWrite, vaddr = (ulong)Unmapped, iova = Iova, size = 4096 };
            return c.TryVFIO_IOMMU_MAP_DMA(ref map);
        }),
        ["container-unmap-never-mapped"] = g => Joined(g, true, (c, _) => Unmap(c, Iova, 4096)),
        ["container-unmap-size-zero"] = g => Joined(g, true, (c, _) => Unmap(c, Iova, 0)),
        ["group-open-twice"] = g =>
        {
            using var first = OpenGroup(g);
            var second = LinuxKernel.Instance.Open(GroupPath(g), OpenFlags.ReadWrite);
            if (second >= 0)
            {
                _ = LinuxKernel.Instance.Close(second);
                return 0;
            }

            return second;
        },
        ["group-set-container-twice"] = g => Joined(g, false, (c, group) => group.TryVFIO_GROUP_SET_CONTAINER(c.DangerousGetFd())),
        ["group-set-container-bad-fd"] = g =>
        {
            using var group = OpenGroup(g);
            return group.TryVFIO_GROUP_SET_CONTAINER(-1);
        },
        ["group-unset-container-not-set"] = g =>
        {
            using var group = OpenGroup(g);
            return group.TryVFIO_GROUP_UNSET_CONTAINER();
        },
        ["group-get-device-fd-no-container"] = g =>
        {
            using var group = OpenGroup(g);
            var result = group.TryVFIO_GROUP_GET_DEVICE_FD(g.Device.ToString(), out var device);
            device?.Dispose();
            return result < 0 ? result : 0;
        },
        ["group-get-device-fd-wrong-name"] = g => Joined(g, true, (_, group) =>
        {
            var result = group.TryVFIO_GROUP_GET_DEVICE_FD("0000:00:1f.7", out var device);
            device?.Dispose();
            return result < 0 ? result : 0;
        }),
    };

    private static string GroupPath(GuestEnvironment guest) => $"/dev/vfio/{Environment.GetEnvironmentVariable("VFIOSHARP_IOMMU_GROUP")}";

    private static ContainerHandle OpenContainer() => new(LinuxKernel.Instance, Opened(LinuxKernel.Instance.Open("/dev/vfio/vfio", OpenFlags.ReadWrite), "/dev/vfio/vfio"));

    private static GroupHandle OpenGroup(GuestEnvironment guest) => new(LinuxKernel.Instance, Opened(LinuxKernel.Instance.Open(GroupPath(guest), OpenFlags.ReadWrite), GroupPath(guest)));

    private static int Opened(int fd, string path) => fd >= 0 ? fd : throw new InvalidOperationException($"open {path}: {Errno.FromResult(fd)}");

    /// <summary>A container with the group in it and, when <paramref name="setIommu"/>, type1v2 set: the row's starting state.</summary>
    internal static long Joined(GuestEnvironment guest, bool setIommu, Func<ContainerHandle, GroupHandle, long> misuse)
    {
        using var container = OpenContainer();
        using var group = OpenGroup(guest);
        Require(group.TryVFIO_GROUP_SET_CONTAINER(container.DangerousGetFd()), "VFIO_GROUP_SET_CONTAINER");
        if (setIommu)
        {
            Require(container.TryVFIO_SET_IOMMU(vfio.VFIO_TYPE1v2_IOMMU), "VFIO_SET_IOMMU");
        }

        return misuse(container, group);
    }

    private static void Require(long result, string step)
    {
        if (result < 0)
        {
            throw new InvalidOperationException($"setting up the row's state: {step} gave {Errno.FromResult(result)}");
        }
    }

    private static long Map(ContainerHandle container, ulong iova, ulong size)
    {
        using var buffer = DmaBuffer.Allocate(LinuxKernel.Instance, 8192);
        var map = new vfio_iommu_type1_dma_map { flags = ReadWrite, vaddr = (ulong)buffer.Address, iova = iova, size = size };
        return container.TryVFIO_IOMMU_MAP_DMA(ref map);
    }

    private static long Unmap(ContainerHandle container, ulong iova, ulong size)
    {
        var unmap = new vfio_iommu_type1_dma_unmap { iova = iova, size = size };
        return container.TryVFIO_IOMMU_UNMAP_DMA(ref unmap);
    }
}
