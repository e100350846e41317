using VfioSharp.Handles;
using VfioSharp.Kernel;
using VfioSharp.Uapi;

namespace VfioSharp.KernelSuite.ErrnoParity;

/// <summary>
/// Misuse-table rows of the container fd (mode <c>group</c>, object <c>container</c>), each committed on fds and
/// memory of its own, returning 0 or −errno. They are the simulated kernel's scenarios of the same ids
/// (tests/VfioSharp.Simulation.Tests/MisuseTable/GroupContainerMisuseScenarios) on the real kernel: where a simulated
/// scenario checks several variants of a misuse, so does the row (<see cref="Reply.Same"/>); its checks of the
/// simulated kernel's bookkeeping (mapping counts, locked bytes) have no counterpart here and are left out.
/// </summary>
internal static unsafe class ContainerRows
{
    private const ulong Iova = 0x100000;

    /// <summary>An address no mapping of this process holds (far above anything mapped).</summary>
    private static readonly nint Unmapped = unchecked((nint)0x7000_0000_0000L);

    /// <summary>Rows of a boot with an IOMMU (a type1 container).</summary>
    public static IReadOnlyDictionary<string, Func<GuestEnvironment, long>> WithIommu { get; } = new Dictionary<string, Func<GuestEnvironment, long>>(StringComparer.Ordinal)
    {
        ["container-set-iommu-no-group"] = _ =>
        {
            using var container = GroupMachine.OpenContainer();
            return container.TryVFIO_SET_IOMMU(vfio.VFIO_TYPE1v2_IOMMU);
        },
        ["container-set-iommu-twice"] = g => OnJoined(g, (m, c, _) => Reply.Same(
            ("same type", c.TryVFIO_SET_IOMMU(vfio.VFIO_TYPE1v2_IOMMU)),
            ("type1", c.TryVFIO_SET_IOMMU(vfio.VFIO_TYPE1_IOMMU)))),
        ["container-set-iommu-unsupported-type"] = g => OnJoined(
            g,
            (m, c, _) =>
            {
                var result = Reply.Same(("42", c.TryVFIO_SET_IOMMU(42)), ("SPAPR_TCE", c.TryVFIO_SET_IOMMU(vfio.VFIO_SPAPR_TCE_IOMMU)));
                var usable = c.TryVFIO_SET_IOMMU(vfio.VFIO_TYPE1v2_IOMMU);
                return Reply.With(result, usable == 0, $"type1v2 afterwards gave {Reply.Name(usable)}");
            },
            iommuType: 0),
        ["container-set-iommu-nesting"] = g => OnJoined(g, (m, c, _) => c.TryVFIO_SET_IOMMU(vfio.__VFIO_RESERVED_TYPE1_NESTING_IOMMU), iommuType: 0),
        ["container-set-iommu-noiommu-type-on-iommu-group"] = g => OnJoined(g, (m, c, _) => c.TryVFIO_SET_IOMMU(vfio.VFIO_NOIOMMU_IOMMU), iommuType: 0),
        ["container-check-extension-unknown"] = g => On(g, m =>
        {
            using var container = GroupMachine.OpenContainer();
            var before = container.TryVFIO_CHECK_EXTENSION(999);
            using var group = m.OpenGroup();
            Reply.Require(group.TryVFIO_GROUP_SET_CONTAINER(container.DangerousGetFd()), "VFIO_GROUP_SET_CONTAINER");
            Reply.Require(container.TryVFIO_SET_IOMMU(vfio.VFIO_TYPE1v2_IOMMU), "VFIO_SET_IOMMU");
            return Reply.Same(("before SET_IOMMU", before), ("after", container.TryVFIO_CHECK_EXTENSION(999)));
        }),
        ["container-map-before-set-iommu"] = g => OnJoined(g, (m, c, _) => GroupMachine.Map(c, m.Buffer(0x1000), Iova, 0x1000), iommuType: 0),
        ["container-get-info-before-set-iommu"] = g => OnJoined(
            g,
            (m, c, _) =>
            {
                var info = new vfio_iommu_type1_info();
                return c.TryVFIO_IOMMU_GET_INFO(ref info);
            },
            iommuType: 0),

        // The point of this row is sending a group ioctl to a container fd.
#pragma warning disable VFIO004
        ["container-unknown-ioctl-with-iommu"] = g => OnJoined(g, (m, c, _) =>
        {
            var status = new vfio_group_status { argsz = 8 };
            // SAFETY: status lives on this frame for the call.
            return GroupMachine.Kernel.Ioctl(c.DangerousGetFd(), vfio.VFIO_GROUP_GET_STATUS, (nint)(&status));
        }),
#pragma warning restore VFIO004
        ["container-map-argsz-small"] = g => OnJoined(g, (m, c, _) =>
        {
            var map = new vfio_iommu_type1_dma_map { argsz = 31, flags = GroupMachine.ReadWrite, vaddr = (ulong)m.Buffer(0x1000), iova = Iova, size = 0x1000 };
            return c.TryVFIO_IOMMU_MAP_DMA(ref map, setSize: false);
        }),
        ["container-map-unknown-flags"] = g => OnJoined(g, (m, c, _) => GroupMachine.Map(c, m.Buffer(0x1000), Iova, 0x1000, GroupMachine.ReadWrite | 0x8)),
        ["container-map-no-permission"] = g => OnJoined(g, (m, c, _) => GroupMachine.Map(c, m.Buffer(0x1000), Iova, 0x1000, flags: 0)),
        ["container-map-size-zero"] = g => OnJoined(g, (m, c, _) => GroupMachine.Map(c, m.Buffer(0x1000), Iova, 0)),
        ["container-map-unaligned"] = g => OnJoined(g, (m, c, _) =>
        {
            var buffer = m.Buffer(0x2000);
            return Reply.Same(
                ("iova", GroupMachine.Map(c, buffer, Iova + 0x800, 0x1000)),
                ("vaddr", GroupMachine.Map(c, buffer + 0x800, Iova, 0x1000)),
                ("size", GroupMachine.Map(c, buffer, Iova, 0x800)));
        }),
        ["container-map-overlap"] = g => OnJoined(g, (m, c, _) =>
        {
            var buffer = m.Buffer(0x4000);
            Reply.Require(GroupMachine.Map(c, buffer, Iova, 0x2000), "the first map");
            return Reply.Same(
                ("partial", GroupMachine.Map(c, buffer + 0x2000, Iova + 0x1000, 0x2000)),
                ("exact", GroupMachine.Map(c, buffer + 0x2000, Iova, 0x2000)),
                ("containing", GroupMachine.Map(c, buffer, Iova - 0x1000, 0x4000)));
        }),
        ["container-map-iova-wrap"] = g => OnJoined(g, (m, c, _) => GroupMachine.Map(c, m.Buffer(0x2000), 0xffff_ffff_ffff_f000, 0x2000)),
        ["container-map-outside-iova-ranges"] = g => OnJoined(g, (m, c, _) =>
        {
            var buffer = m.Buffer(0x2000);
            return Reply.Same(
                ("MSI window", GroupMachine.Map(c, buffer, 0xfee00000, 0x1000)),
                ("straddling its start", GroupMachine.Map(c, buffer, 0xfedff000, 0x2000)),
                ("above the aperture", GroupMachine.Map(c, buffer, 1UL << 48, 0x1000)));
        }),
        ["container-map-vaddr-unmapped"] = g => OnJoined(g, (m, c, _) => GroupMachine.Map(c, Unmapped, Iova, 0x1000)),
        ["container-map-write-to-readonly-memory"] = g => OnJoined(g, (m, c, _) =>
        {
            var buffer = m.Buffer(0x1000, MemoryProtection.Read);
            var result = GroupMachine.Map(c, buffer, Iova, 0x1000);

            // Read-only DMA (the device only reads) from the same memory works.
            var readOnly = GroupMachine.Map(c, buffer, Iova, 0x1000, (uint)vfio.VFIO_DMA_MAP_FLAG_READ);
            return Reply.With(result, readOnly == 0, $"the read-only map of the same memory gave {Reply.Name(readOnly)}");
        }),
        ["container-map-rlimit-memlock"] = g => OnJoined(g, (m, c, _) =>
        {
            var buffer = m.Buffer(0x8000);
            return Unprivileged.WithMemlockLimit(0x4000, () => GroupMachine.Map(c, buffer, Iova, 0x8000));
        }),
        ["container-map-entry-limit"] = g => DmaEntryLimit.With(2, () => OnJoined(g, (m, c, _) =>
        {
            var buffer = m.Buffer(0x3000);
            Reply.Require(GroupMachine.Map(c, buffer, Iova, 0x1000), "the first map");
            Reply.Require(GroupMachine.Map(c, buffer + 0x1000, Iova + 0x1000, 0x1000), "the second map");
            return GroupMachine.Map(c, buffer + 0x2000, Iova + 0x2000, 0x1000);
        })),
        ["container-map-vaddr-update-unknown"] = g => OnJoined(g, (m, c, _) =>
        {
            var buffer = m.Buffer(0x1000);
            var never = GroupMachine.Map(c, buffer, Iova, 0x1000, (uint)vfio.VFIO_DMA_MAP_FLAG_VADDR);

            // A mapping whose vaddr was not invalidated first: EINVAL, not ENOENT.
            Reply.Require(GroupMachine.Map(c, buffer, Iova, 0x1000), "the map");
            var notInvalidated = GroupMachine.Map(c, buffer, Iova, 0x1000, (uint)vfio.VFIO_DMA_MAP_FLAG_VADDR);
            return Reply.With(never, notInvalidated == -Errno.EINVAL.Value, $"a VADDR update of a mapping not invalidated gave {Reply.Name(notInvalidated)}, not EINVAL");
        }),
        ["container-unmap-never-mapped"] = g => OnJoined(g, (m, c, _) =>
        {
            var result = GroupMachine.Unmap(c, Iova, 0x1000, out var unmapped);
            return Reply.With(result, unmapped == 0, $"size {unmapped} came back");
        }),
        ["container-unmap-double"] = g => OnJoined(g, (m, c, _) =>
        {
            Reply.Require(GroupMachine.Map(c, m.Buffer(0x1000), Iova, 0x1000), "the map");
            Reply.Require(GroupMachine.Unmap(c, Iova, 0x1000, out var first), "the first unmap");
            var result = GroupMachine.Unmap(c, Iova, 0x1000, out var second);
            return Reply.With(result, first == 0x1000 && second == 0, $"sizes {first:x} then {second:x} came back");
        }),
        ["container-unmap-partial-v2"] = g => OnJoined(g, (m, c, _) =>
        {
            Reply.Require(GroupMachine.Map(c, m.Buffer(0x2000), Iova, 0x2000), "the map");
            var unmap = new vfio_iommu_type1_dma_unmap { iova = Iova, size = 0x1000 };
            var startsAtIt = c.TryVFIO_IOMMU_UNMAP_DMA(ref unmap);
            var sizeUntouched = unmap.size == 0x1000;
            var result = Reply.Same(("starting at it", startsAtIt), ("starting inside", GroupMachine.Unmap(c, Iova + 0x1000, 0x1000, out var _)));
            return Reply.With(result, sizeUntouched, $"size {unmap.size:x} came back on the error");
        }),
        ["container-unmap-superset"] = g => OnJoined(g, (m, c, _) =>
        {
            var buffer = m.Buffer(0x3000);
            Reply.Require(GroupMachine.Map(c, buffer, Iova + 0x1000, 0x1000), "the first map");
            Reply.Require(GroupMachine.Map(c, buffer + 0x1000, Iova + 0x3000, 0x2000), "the second map");
            var result = GroupMachine.Unmap(c, Iova, 0x10000, out var unmapped);
            return Reply.With(result, unmapped == 0x3000, $"size {unmapped:x} came back, not 0x3000");
        }),
        ["container-unmap-size-zero"] = g => OnJoined(g, (m, c, _) => GroupMachine.Unmap(c, Iova, 0, out var _)),
        ["container-unmap-unaligned"] = g => OnJoined(g, (m, c, _) => Reply.Same(
            ("iova", GroupMachine.Unmap(c, Iova + 0x800, 0x1000, out var _)),
            ("size", GroupMachine.Unmap(c, Iova, 0x800, out var _)))),
        ["container-unmap-wrap"] = g => OnJoined(g, (m, c, _) => GroupMachine.Unmap(c, 0xffff_ffff_ffff_f000, 0x2000, out var _)),
        ["container-unmap-all-with-range"] = g => OnJoined(g, (m, c, _) => Reply.Same(
            ("iova", GroupMachine.Unmap(c, Iova, 0, out var _, (uint)vfio.VFIO_DMA_UNMAP_FLAG_ALL)),
            ("size", GroupMachine.Unmap(c, 0, 0x1000, out var _, (uint)vfio.VFIO_DMA_UNMAP_FLAG_ALL)))),
        ["container-unmap-argsz-or-flags"] = g => OnJoined(g, (m, c, _) =>
        {
            var unmap = new vfio_iommu_type1_dma_unmap { argsz = 23, iova = Iova, size = 0x1000 };
            return Reply.Same(
                ("argsz 23", c.TryVFIO_IOMMU_UNMAP_DMA(ref unmap, setSize: false)),
                ("unknown flag", GroupMachine.Unmap(c, Iova, 0x1000, out var _, flags: 0x8)),
                ("dirty bitmap with ALL", GroupMachine.Unmap(c, 0, 0, out var _, (uint)(vfio.VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP | vfio.VFIO_DMA_UNMAP_FLAG_ALL))));
        }),
        ["container-get-info-argsz-small"] = g => OnJoined(g, (m, c, _) =>
        {
            var info = new vfio_iommu_type1_info { argsz = 15 };
            return c.TryVFIO_IOMMU_GET_INFO(ref info, setSize: false);
        }),
        ["container-get-info-argsz-exact"] = g => OnJoined(g, (m, c, _) =>
        {
            var info = new vfio_iommu_type1_info { cap_offset = 0xdead };
            var result = c.TryVFIO_IOMMU_GET_INFO(ref info);
            var caps = (info.flags & (uint)vfio.VFIO_IOMMU_INFO_CAPS) != 0;

            // NOTES.md: 116 on 6.1 (no DMA_AVAIL... capability sizes of that version), 120 from 6.12 on.
            var needed = KernelRelease.Of(g) < new Version(6, 12) ? 116u : 120u;
            return Reply.With(result, caps && info.cap_offset == 0 && info.argsz == needed, $"flags {info.flags:x}, cap_offset {info.cap_offset:x}, argsz {info.argsz} (expected CAPS, 0, {needed})");
        }),
        ["container-type1v1-partial-unmap"] = g => OnJoined(
            g,
            (m, c, _) =>
            {
                Reply.Require(GroupMachine.Map(c, m.Buffer(0x2000), Iova, 0x2000), "the map");
                var inside = GroupMachine.Unmap(c, Iova + 0x1000, 0x1000, out var insideSize);
                var atStart = GroupMachine.Unmap(c, Iova, 0x1000, out var atStartSize);
                var result = Reply.Same(("starting inside", inside), ("starting at it, smaller", atStart));
                return Reply.With(result, insideSize == 0 && atStartSize == 0x2000, $"sizes {insideSize:x} and {atStartSize:x} came back, not 0 and 0x2000");
            },
            iommuType: vfio.VFIO_TYPE1_IOMMU),
        ["container-map-after-last-group-left"] = g => OnJoined(g, (m, c, group) =>
        {
            var buffer = m.Buffer(0x1000);
            Reply.Require(GroupMachine.Map(c, buffer, Iova, 0x1000), "the map");
            Reply.Require(group.TryVFIO_GROUP_UNSET_CONTAINER(), "VFIO_GROUP_UNSET_CONTAINER");
            return GroupMachine.Map(c, buffer, Iova, 0x1000);
        }),
    };

    /// <summary>Rows of a no-IOMMU boot (the group is /dev/vfio/noiommu-N).</summary>
    public static IReadOnlyDictionary<string, Func<GuestEnvironment, long>> NoIommu { get; } = new Dictionary<string, Func<GuestEnvironment, long>>(StringComparer.Ordinal)
    {
        ["container-set-iommu-type1-on-noiommu-group"] = g => OnJoined(g, (m, c, _) => c.TryVFIO_SET_IOMMU(vfio.VFIO_TYPE1v2_IOMMU), iommuType: 0),
        ["container-noiommu-map"] = g => OnJoined(g, (m, c, _) => GroupMachine.Map(c, m.Buffer(0x1000), Iova, 0x1000), iommuType: vfio.VFIO_NOIOMMU_IOMMU),
    };

    internal static long On(GuestEnvironment guest, Func<GroupMachine, long> misuse)
    {
        using var machine = new GroupMachine(guest);
        return misuse(machine);
    }

    /// <summary>The group in a container of its own; the IOMMU set unless <paramref name="iommuType"/> is 0 (default: the boot's).</summary>
    internal static long OnJoined(GuestEnvironment guest, Func<GroupMachine, ContainerHandle, GroupHandle, long> misuse, int? iommuType = null)
        => On(guest, m =>
        {
            var (container, group) = m.Joined(iommuType ?? m.IommuType);
            using (container)
            using (group)
            {
                return misuse(m, container, group);
            }
        });
}
