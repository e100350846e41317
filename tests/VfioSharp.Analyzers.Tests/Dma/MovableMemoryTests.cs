using Verify = VfioSharp.Analyzers.Tests.Ioctls.IoctlRuleVerifier<VfioSharp.Analyzers.Dma.MovableMemoryAnalyzer>;

namespace VfioSharp.Analyzers.Tests.Dma;

/// <summary>VFIO007: addresses of memory the GC can move or reclaim, handed to the IOMMU for DMA.</summary>
public sealed class MovableMemoryTests
{
    private const string Usings = Verify.Usings + """
        using System.Runtime.InteropServices;

        """;

    [Fact]
    public Task A_fixed_array_mapped_through_type1_is_reported()
        => Verify.VerifyAsync(
            Usings + """
            static unsafe class Driver
            {
                public static void Map(ContainerHandle container, byte[] buffer)
                {
                    fixed (byte* pointer = buffer)
                    {
                        var map = new vfio_iommu_type1_dma_map { iova = 0x100000, size = (ulong)buffer.Length };
                        map.vaddr = {|#0:(ulong)pointer|};
                        container.VFIO_IOMMU_MAP_DMA(ref map);
                    }
                }
            }
            """,
            Verify.Diagnostic(0, "vfio_iommu_type1_dma_map.vaddr", "memory pinned only by a 'fixed' block"));

    [Fact]
    public Task A_pinned_handle_an_array_element_and_stack_memory_reach_iommufd_through_locals()
        => Verify.VerifyAsync(
            Usings + """
            static unsafe class Driver
            {
                public static void Map(IommufdHandle iommufd, byte[] buffer, uint ioas)
                {
                    var handle = GCHandle.Alloc(buffer, GCHandleType.Pinned);
                    var address = handle.AddrOfPinnedObject();
                    var map = new iommu_ioas_map { ioas_id = ioas, length = 4096 };
                    map.user_va = {|#0:(ulong)address|};

                    nint element = Marshal.UnsafeAddrOfPinnedArrayElement(buffer, 0);
                    var second = new iommu_ioas_map { ioas_id = ioas, length = 4096, user_va = {|#1:(ulong)element|} };

                    byte* scratch = stackalloc byte[4096];
                    var third = new iommu_ioas_map { ioas_id = ioas, length = 4096, user_va = {|#2:(ulong)(scratch + 64)|} };
                    handle.Free();
                }
            }
            """,
            Verify.Diagnostic(0, "iommu_ioas_map.user_va", "a pinned GCHandle's object"),
            Verify.Diagnostic(1, "iommu_ioas_map.user_va", "a managed array element"),
            Verify.Diagnostic(2, "iommu_ioas_map.user_va", "stack memory (stackalloc)"));

    [Fact]
    public Task Spans_and_references_of_managed_memory_are_reported()
        => Verify.VerifyAsync(
            Usings + """
            static unsafe class Driver
            {
                private static long _counter;

                public static void Map(Span<byte> span, byte[] array)
                {
                    var map = new vfio_iommu_type1_dma_map();
                    map.vaddr = {|#0:(ulong)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span))|};
                    map.vaddr = {|#1:(ulong)Unsafe.AsPointer(ref array[0])|};
                    map.vaddr = {|#2:(ulong)Unsafe.AsPointer(ref _counter)|};
                    long local = 0;
                    map.vaddr = {|#3:(ulong)(&local)|};
                }
            }
            """,
            Verify.Diagnostic(0, "vfio_iommu_type1_dma_map.vaddr", "a span's memory (managed or stack)"),
            Verify.Diagnostic(1, "vfio_iommu_type1_dma_map.vaddr", "a managed array element"),
            Verify.Diagnostic(2, "vfio_iommu_type1_dma_map.vaddr", "a static field"),
            Verify.Diagnostic(3, "vfio_iommu_type1_dma_map.vaddr", "a variable on the stack"));

    [Fact]
    public Task A_DmaAddress_parameter_gets_the_same_check()
        => Verify.VerifyAsync(
            Usings + """
            using VfioSharp;

            static unsafe class Driver
            {
                static void MapAt([DmaAddress] nint address, nuint length) { }

                public static void Map(byte[] buffer)
                {
                    fixed (byte* pointer = &buffer[0])
                    {
                        MapAt({|#0:(nint)pointer|}, 4096);
                    }
                }
            }
            """,
            Verify.Diagnostic(0, "MapAt(address)", "memory pinned only by a 'fixed' block"));

    [Fact]
    public Task Native_memory_and_a_local_reassigned_to_it_are_silent()
        => Verify.VerifyAsync(
            Usings + """
            static unsafe class Driver
            {
                public static void Map(IKernel kernel, byte[] buffer, bool pooled)
                {
                    var native = NativeMemory.AlignedAlloc(4096, 4096);
                    var mapped = kernel.Mmap(0, 4096, MemoryProtection.Read | MemoryProtection.Write, MapFlags.Private | MapFlags.Anonymous, -1, 0);
                    var map = new vfio_iommu_type1_dma_map { vaddr = (ulong)native, size = 4096 };
                    map.vaddr = (ulong)mapped;

                    var handle = GCHandle.Alloc(buffer, GCHandleType.Pinned);
                    var address = handle.AddrOfPinnedObject();
                    handle.Free();
                    address = mapped;
                    map.vaddr = (ulong)address;

                    // A copy of managed bytes into native memory is fine: only the address matters.
                    buffer.CopyTo(new Span<byte>(native, 4096));
                    NativeMemory.AlignedFree(native);
                }
            }
            """);

    [Fact]
    public Task A_local_that_is_movable_on_one_path_is_reported()
        => Verify.VerifyAsync(
            Usings + """
            static unsafe class Driver
            {
                public static void Map(IKernel kernel, byte[] buffer, bool small)
                {
                    nint address = kernel.Mmap(0, 4096, MemoryProtection.Read | MemoryProtection.Write, MapFlags.Private | MapFlags.Anonymous, -1, 0);
                    if (small)
                    {
                        address = Marshal.UnsafeAddrOfPinnedArrayElement(buffer, 0);
                    }

                    var map = new vfio_iommu_type1_dma_map { vaddr = {|#0:(ulong)address|}, size = 4096 };
                }
            }
            """,
            Verify.Diagnostic(0, "vfio_iommu_type1_dma_map.vaddr", "a managed array element"));
}
