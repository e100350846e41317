using System.Runtime.InteropServices;

namespace VfioSharp.KernelSuite.Native;

/// <summary>
/// Native/map_unmap_loop.c, linked into the NativeAOT binary (DirectPInvoke: no library to load in the guest).
/// Each runs <c>iterations</c> × (map 4 KiB at <c>iova</c>, unmap it) and returns 0 or the first failure's errno.
/// </summary>
internal static partial class MapUnmapLoop
{
    private const string Library = "map_unmap_loop";

    [LibraryImport(Library, EntryPoint = "vfiosharp_type1_map_unmap")]
    internal static partial int Type1MapUnmap(int container, nint vaddr, ulong iova, int iterations);

    [LibraryImport(Library, EntryPoint = "vfiosharp_ioas_map_unmap")]
    internal static partial int IoasMapUnmap(int iommufd, uint ioas, nint vaddr, ulong iova, int iterations);
}
