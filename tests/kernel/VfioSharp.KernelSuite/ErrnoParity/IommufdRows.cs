using VfioSharp.Dma;
using VfioSharp.Handles;
using VfioSharp.Kernel;
using VfioSharp.Uapi;

namespace VfioSharp.KernelSuite.ErrnoParity;

/// <summary>
/// Misuse-table rows of mode <c>iommufd</c> (the /dev/iommu fd and an IOAS without a device) committed on the real
/// kernel with raw typed ioctls, each on a /dev/iommu fd of its own, returning 0 or −errno to compare with the
/// table. They mirror the simulated kernel's scenarios of the same ids
/// (tests/VfioSharp.Simulation.Tests/MisuseTable/IommufdCdevMisuseScenarios). Rows whose state is "a device is
/// attached" are not here: the device belongs to the runtime in this payload (replayed without a device, 7.3 maps an
/// unmapped user_va with 0, as iommufd-map-vaddr-unmapped's note says: nothing is pinned until a domain exists).
/// </summary>
internal static class IommufdRows
{
    private const ulong Iova = 0x100000;
    private const uint ReadWrite = (uint)(iommufd_ioas_map_flags.IOMMU_IOAS_MAP_READABLE | iommufd_ioas_map_flags.IOMMU_IOAS_MAP_WRITEABLE);
    private const uint Fixed = (uint)iommufd_ioas_map_flags.IOMMU_IOAS_MAP_FIXED_IOVA;

    public static IReadOnlyDictionary<string, Func<long>> All { get; } = new Dictionary<string, Func<long>>(StringComparer.Ordinal)
    {
        ["iommufd-ioas-alloc-flags"] = () => OnIommufd(fd =>
        {
            var alloc = new iommu_ioas_alloc { flags = 1 };
            return fd.TryIOMMU_IOAS_ALLOC(ref alloc);
        }),
        ["iommufd-map-unknown-ioas"] = () => OnIoas((fd, ioas) => Map(fd, ioas + 100, ReadWrite | Fixed, 4096)),
        ["iommufd-map-flags"] = () => OnIoas((fd, ioas) => Map(fd, ioas, ReadWrite | Fixed | 0x100, 4096)),
        ["iommufd-map-no-permission"] = () => OnIoas((fd, ioas) => Map(fd, ioas, Fixed, 4096)),
        ["iommufd-map-length-zero"] = () => OnIoas((fd, ioas) => Map(fd, ioas, ReadWrite | Fixed, 0)),
        ["iommufd-map-fixed-overlap"] = () => OnIoas((fd, ioas) => Map(fd, ioas, ReadWrite | Fixed, 4096) is var first and not 0 ? first : Map(fd, ioas, ReadWrite | Fixed, 4096)),
        ["iommufd-unmap-never-mapped"] = () => OnIoas((fd, ioas) => Unmap(fd, ioas, Iova, 4096)),
        ["iommufd-unmap-length-zero"] = () => OnIoas((fd, ioas) => Unmap(fd, ioas, Iova, 0)),
        ["iommufd-unmap-all-empty"] = () => OnIoas((fd, ioas) => Unmap(fd, ioas, 0, ulong.MaxValue)),
        ["iommufd-destroy-unknown"] = () => OnIommufd(fd =>
        {
            var destroy = new iommu_destroy { id = 12345 };
            return fd.TryIOMMU_DESTROY(ref destroy);
        }),
    };

    private static long OnIommufd(Func<IommufdHandle, long> misuse)
    {
        var raw = LinuxKernel.Instance.Open("/dev/iommu", OpenFlags.ReadWrite);
        if (raw < 0)
        {
            throw new InvalidOperationException($"open /dev/iommu: {Errno.FromResult(raw)}");
        }

        using var fd = new IommufdHandle(LinuxKernel.Instance, raw);
        return misuse(fd);
    }

    private static long OnIoas(Func<IommufdHandle, uint, long> misuse) => OnIommufd(fd =>
    {
        var alloc = new iommu_ioas_alloc();
        var result = fd.TryIOMMU_IOAS_ALLOC(ref alloc);
        return result < 0 ? throw new InvalidOperationException($"setting up the row's state: IOMMU_IOAS_ALLOC gave {Errno.FromResult(result)}") : misuse(fd, alloc.out_ioas_id);
    });

    private static long Map(IommufdHandle fd, uint ioas, uint flags, ulong length)
    {
        using var buffer = DmaBuffer.Allocate(LinuxKernel.Instance, 8192);
        var map = new iommu_ioas_map { flags = flags, ioas_id = ioas, user_va = (ulong)buffer.Address, length = length, iova = Iova };
        return fd.TryIOMMU_IOAS_MAP(ref map);
    }

    private static long Unmap(IommufdHandle fd, uint ioas, ulong iova, ulong length)
    {
        var unmap = new iommu_ioas_unmap { ioas_id = ioas, iova = iova, length = length };
        return fd.TryIOMMU_IOAS_UNMAP(ref unmap);
    }
}
