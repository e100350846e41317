using VfioSharp.Handles;
using VfioSharp.Kernel;
using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.Tests.Cdev;
using VfioSharp.Simulation.Tests.Groups;
using VfioSharp.Simulation.Tests.Iommufd;
using VfioSharp.Uapi;

namespace VfioSharp.Simulation.Tests.MisuseTable;

/// <summary>
/// One scenario per misuse-table row of mode <c>group</c> (the container and the group fds) and of the
/// <c>node</c> and <c>any</c> objects: each builds the row's state on a fresh simulated 6.17 machine
/// (<see cref="GroupMachine"/>), commits the misuse and returns what the kernel answered (0 or −errno), or
/// <see cref="WrongReply"/> when the answer was right but what the kernel wrote back or left behind was not.
/// </summary>
public static unsafe class GroupContainerMisuseScenarios
{
    /// <summary>Returned when the ioctl's answer was right but a side effect was not.</summary>
    public const long WrongReply = long.MinValue;

    private const ulong Iova = 0x100000;

    /// <summary>An address no mapping of the simulated process holds.</summary>
    private static readonly nint Unmapped = unchecked((nint)0x7000_0000_0000L);

    /// <summary>The scenarios by row id.</summary>
    public static IReadOnlyDictionary<string, Func<long>> All { get; } = new Dictionary<string, Func<long>>(StringComparer.Ordinal)
    {
        ["container-set-iommu-no-group"] = () => On(m =>
        {
            using var container = m.OpenContainer();
            return container.TryVFIO_SET_IOMMU(vfio.VFIO_TYPE1v2_IOMMU);
        }),
        ["container-set-iommu-twice"] = () => OnJoined((m, c, g) =>
        {
            var same = c.TryVFIO_SET_IOMMU(vfio.VFIO_TYPE1v2_IOMMU);
            var other = c.TryVFIO_SET_IOMMU(vfio.VFIO_TYPE1_IOMMU);
            return same == other ? same : WrongReply;
        }),
        ["container-set-iommu-unsupported-type"] = () => OnJoined(
            (m, c, g) =>
            {
                var result = c.TryVFIO_SET_IOMMU(42);
                var spapr = c.TryVFIO_SET_IOMMU(vfio.VFIO_SPAPR_TCE_IOMMU);

                // The container stays usable.
                return spapr == result && c.TryVFIO_SET_IOMMU(vfio.VFIO_TYPE1v2_IOMMU) == 0 ? result : WrongReply;
            },
            iommuType: 0),
        ["container-set-iommu-nesting"] = () => OnJoined((m, c, g) => c.TryVFIO_SET_IOMMU(vfio.__VFIO_RESERVED_TYPE1_NESTING_IOMMU), iommuType: 0),
        ["container-set-iommu-noiommu-type-on-iommu-group"] = () => OnJoined(
            (m, c, g) => c.TryVFIO_SET_IOMMU(vfio.VFIO_NOIOMMU_IOMMU),
            iommuType: 0,
            new SimulatedKernelOptions { Profile = GroupMachine.Profile, EnableUnsafeNoIommuMode = true }),
        ["container-set-iommu-type1-on-noiommu-group"] = () => OnNoIommuJoined((m, c, g) => c.TryVFIO_SET_IOMMU(vfio.VFIO_TYPE1v2_IOMMU), setIommu: false),
        ["container-check-extension-unknown"] = () => On(m =>
        {
            using var container = m.OpenContainer();
            var before = container.TryVFIO_CHECK_EXTENSION(999);
            using var group = m.OpenGroup();
            Assert.Equal(0, group.TryVFIO_GROUP_SET_CONTAINER(container.DangerousGetFd()));
            Assert.Equal(0, container.TryVFIO_SET_IOMMU(vfio.VFIO_TYPE1v2_IOMMU));
            var after = container.TryVFIO_CHECK_EXTENSION(999);
            return before == after ? after : WrongReply;
        }),
        ["container-map-before-set-iommu"] = () => OnJoined((m, c, g) => GroupMachine.Map(c, m.Buffer(0x1000), Iova, 0x1000), iommuType: 0),
        ["container-get-info-before-set-iommu"] = () => OnJoined(
            (m, c, g) =>
            {
                var info = new vfio_iommu_type1_info();
                return c.TryVFIO_IOMMU_GET_INFO(ref info);
            },
            iommuType: 0),

        // The point of this row is sending a group ioctl to a container fd.
#pragma warning disable VFIO004
        ["container-unknown-ioctl-with-iommu"] = () => OnJoined((m, c, g) =>
        {
            var status = new vfio_group_status { argsz = 8 };
            return m.Kernel.Ioctl(c.DangerousGetFd(), vfio.VFIO_GROUP_GET_STATUS, (nint)(&status));
        }),
#pragma warning restore VFIO004
        ["container-map-argsz-small"] = () => OnJoined((m, c, g) =>
        {
            var map = new vfio_iommu_type1_dma_map { argsz = 31, flags = GroupMachine.ReadWrite, vaddr = (ulong)m.Buffer(0x1000), iova = Iova, size = 0x1000 };
            return c.TryVFIO_IOMMU_MAP_DMA(ref map, setSize: false);
        }),
        ["container-map-unknown-flags"] = () => OnJoined((m, c, g) => GroupMachine.Map(c, m.Buffer(0x1000), Iova, 0x1000, GroupMachine.ReadWrite | 0x8)),
        ["container-map-no-permission"] = () => OnJoined((m, c, g) => GroupMachine.Map(c, m.Buffer(0x1000), Iova, 0x1000, flags: 0)),
        ["container-map-size-zero"] = () => OnJoined((m, c, g) => GroupMachine.Map(c, m.Buffer(0x1000), Iova, 0)),
        ["container-map-unaligned"] = () => OnJoined((m, c, g) =>
        {
            var buffer = m.Buffer(0x2000);
            var iova = GroupMachine.Map(c, buffer, Iova + 0x800, 0x1000);
            var vaddr = GroupMachine.Map(c, buffer + 0x800, Iova, 0x1000);
            var size = GroupMachine.Map(c, buffer, Iova, 0x800);
            return iova == vaddr && vaddr == size && m.Kernel.IommuMappingCount == 0 ? size : WrongReply;
        }),
        ["container-map-overlap"] = () => OnJoined((m, c, g) =>
        {
            var buffer = m.Buffer(0x4000);
            Assert.Equal(0, GroupMachine.Map(c, buffer, Iova, 0x2000));
            var partial = GroupMachine.Map(c, buffer + 0x2000, Iova + 0x1000, 0x2000);
            var exact = GroupMachine.Map(c, buffer + 0x2000, Iova, 0x2000);
            var containing = GroupMachine.Map(c, buffer, Iova - 0x1000, 0x4000);
            return partial == exact && exact == containing ? exact : WrongReply;
        }),
        ["container-map-iova-wrap"] = () => OnJoined((m, c, g) => GroupMachine.Map(c, m.Buffer(0x2000), 0xffff_ffff_ffff_f000, 0x2000)),
        ["container-map-outside-iova-ranges"] = () => OnJoined((m, c, g) =>
        {
            var buffer = m.Buffer(0x2000);
            var msi = GroupMachine.Map(c, buffer, 0xfee00000, 0x1000);
            var straddling = GroupMachine.Map(c, buffer, 0xfedff000, 0x2000);
            var aboveAperture = GroupMachine.Map(c, buffer, 1UL << 48, 0x1000);
            return msi == straddling && straddling == aboveAperture ? msi : WrongReply;
        }),
        ["container-map-vaddr-unmapped"] = () => OnJoined((m, c, g) =>
        {
            var result = GroupMachine.Map(c, Unmapped, Iova, 0x1000);
            return m.Kernel.IommuMappingCount == 0 && m.Kernel.LockedBytes == 0 ? result : WrongReply;
        }),
        ["container-map-write-to-readonly-memory"] = () => OnJoined((m, c, g) =>
        {
            var buffer = m.Buffer(0x1000, MemoryProtection.Read);
            var result = GroupMachine.Map(c, buffer, Iova, 0x1000);

            // Read-only DMA (the device only reads) from the same memory works.
            return GroupMachine.Map(c, buffer, Iova, 0x1000, (uint)vfio.VFIO_DMA_MAP_FLAG_READ) == 0 ? result : WrongReply;
        }),
        ["container-map-rlimit-memlock"] = () => OnJoined(
            (m, c, g) => GroupMachine.Map(c, m.Buffer(0x8000), Iova, 0x8000),
            options: new SimulatedKernelOptions { Profile = GroupMachine.Profile, Root = false, MemlockLimitBytes = 0x4000 }),
        ["container-map-entry-limit"] = () => OnJoined(
            (m, c, g) =>
            {
                var buffer = m.Buffer(0x3000);
                Assert.Equal(0, GroupMachine.Map(c, buffer, Iova, 0x1000));
                Assert.Equal(0, GroupMachine.Map(c, buffer + 0x1000, Iova + 0x1000, 0x1000));
                return GroupMachine.Map(c, buffer + 0x2000, Iova + 0x2000, 0x1000);
            },
            options: new SimulatedKernelOptions { Profile = GroupMachine.Profile, DmaEntryLimit = 2 }),
        ["container-map-vaddr-update-unknown"] = () => OnJoined((m, c, g) =>
        {
            var buffer = m.Buffer(0x1000);
            var never = GroupMachine.Map(c, buffer, Iova, 0x1000, (uint)vfio.VFIO_DMA_MAP_FLAG_VADDR);

            // A mapping whose vaddr was not invalidated first: EINVAL, not ENOENT.
            Assert.Equal(0, GroupMachine.Map(c, buffer, Iova, 0x1000));
            var notInvalidated = GroupMachine.Map(c, buffer, Iova, 0x1000, (uint)vfio.VFIO_DMA_MAP_FLAG_VADDR);
            return notInvalidated == -LinuxErrnoNumbers.EINVAL ? never : WrongReply;
        }),
        ["container-unmap-never-mapped"] = () => OnJoined((m, c, g) =>
        {
            var unmap = new vfio_iommu_type1_dma_unmap { iova = Iova, size = 0x1000 };
            var result = c.TryVFIO_IOMMU_UNMAP_DMA(ref unmap);
            return unmap.size == 0 ? result : WrongReply;
        }),
        ["container-unmap-double"] = () => OnJoined((m, c, g) =>
        {
            Assert.Equal(0, GroupMachine.Map(c, m.Buffer(0x1000), Iova, 0x1000));
            Assert.Equal(0, GroupMachine.Unmap(c, Iova, 0x1000, out var first));
            var result = GroupMachine.Unmap(c, Iova, 0x1000, out var second);
            return first == 0x1000 && second == 0 ? result : WrongReply;
        }),
        ["container-unmap-partial-v2"] = () => OnJoined((m, c, g) =>
        {
            Assert.Equal(0, GroupMachine.Map(c, m.Buffer(0x2000), Iova, 0x2000));
            var unmap = new vfio_iommu_type1_dma_unmap { iova = Iova, size = 0x1000 };
            var startsAtIt = c.TryVFIO_IOMMU_UNMAP_DMA(ref unmap);
            var sizeUntouched = unmap.size == 0x1000;
            var startsInside = GroupMachine.Unmap(c, Iova + 0x1000, 0x1000, out _);
            return startsAtIt == startsInside && sizeUntouched && m.Kernel.IommuMappingCount == 1 ? startsAtIt : WrongReply;
        }),
        ["container-unmap-superset"] = () => OnJoined((m, c, g) =>
        {
            var buffer = m.Buffer(0x3000);
            Assert.Equal(0, GroupMachine.Map(c, buffer, Iova + 0x1000, 0x1000));
            Assert.Equal(0, GroupMachine.Map(c, buffer + 0x1000, Iova + 0x3000, 0x2000));
            var result = GroupMachine.Unmap(c, Iova, 0x10000, out var unmapped);
            return unmapped == 0x3000 && m.Kernel.IommuMappingCount == 0 && m.Kernel.LockedBytes == 0 ? result : WrongReply;
        }),
        ["container-unmap-size-zero"] = () => OnJoined((m, c, g) => GroupMachine.Unmap(c, Iova, 0, out _)),
        ["container-unmap-unaligned"] = () => OnJoined((m, c, g) =>
        {
            var iova = GroupMachine.Unmap(c, Iova + 0x800, 0x1000, out _);
            var size = GroupMachine.Unmap(c, Iova, 0x800, out _);
            return iova == size ? iova : WrongReply;
        }),
        ["container-unmap-wrap"] = () => OnJoined((m, c, g) => GroupMachine.Unmap(c, 0xffff_ffff_ffff_f000, 0x2000, out _)),
        ["container-unmap-all-with-range"] = () => OnJoined((m, c, g) =>
        {
            var iova = GroupMachine.Unmap(c, Iova, 0, out _, (uint)vfio.VFIO_DMA_UNMAP_FLAG_ALL);
            var size = GroupMachine.Unmap(c, 0, 0x1000, out _, (uint)vfio.VFIO_DMA_UNMAP_FLAG_ALL);
            return iova == size ? iova : WrongReply;
        }),
        ["container-unmap-argsz-or-flags"] = () => OnJoined((m, c, g) =>
        {
            var unmap = new vfio_iommu_type1_dma_unmap { argsz = 23, iova = Iova, size = 0x1000 };
            var argsz = c.TryVFIO_IOMMU_UNMAP_DMA(ref unmap, setSize: false);
            var unknown = GroupMachine.Unmap(c, Iova, 0x1000, out _, flags: 0x8);
            var dirtyWithAll = GroupMachine.Unmap(c, 0, 0, out _, (uint)(vfio.VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP | vfio.VFIO_DMA_UNMAP_FLAG_ALL));
            return argsz == unknown && unknown == dirtyWithAll ? argsz : WrongReply;
        }),
        ["container-get-info-argsz-small"] = () => OnJoined((m, c, g) =>
        {
            var info = new vfio_iommu_type1_info { argsz = 15 };
            return c.TryVFIO_IOMMU_GET_INFO(ref info, setSize: false);
        }),
        ["container-get-info-argsz-exact"] = () => OnJoined((m, c, g) =>
        {
            var info = new vfio_iommu_type1_info { cap_offset = 0xdead };
            var result = c.TryVFIO_IOMMU_GET_INFO(ref info);
            var caps = (info.flags & (uint)vfio.VFIO_IOMMU_INFO_CAPS) != 0;
            var needed = GroupMachine.Profile == SimulatedKernelProfile.Linux61 ? 116u : 120u;
            return caps && info.cap_offset == 0 && info.argsz == needed ? result : WrongReply;
        }),
        ["container-type1v1-partial-unmap"] = () => OnJoined(
            (m, c, g) =>
            {
                Assert.Equal(0, GroupMachine.Map(c, m.Buffer(0x2000), Iova, 0x2000));
                var inside = GroupMachine.Unmap(c, Iova + 0x1000, 0x1000, out var insideSize);
                var atStart = GroupMachine.Unmap(c, Iova, 0x1000, out var atStartSize);
                return inside == atStart && insideSize == 0 && atStartSize == 0x2000 && m.Kernel.IommuMappingCount == 0 ? inside : WrongReply;
            },
            iommuType: vfio.VFIO_TYPE1_IOMMU),
        ["container-map-after-last-group-left"] = () => OnJoined((m, c, g) =>
        {
            var buffer = m.Buffer(0x1000);
            Assert.Equal(0, GroupMachine.Map(c, buffer, Iova, 0x1000));
            Assert.Equal(0, g.TryVFIO_GROUP_UNSET_CONTAINER());
            var result = GroupMachine.Map(c, buffer, Iova, 0x1000);
            return m.Kernel.IommuMappingCount == 0 && m.Kernel.LockedBytes == 0 ? result : WrongReply;
        }),
        ["container-noiommu-map"] = () => OnNoIommuJoined((m, c, g) => GroupMachine.Map(c, m.Buffer(0x1000), Iova, 0x1000)),

        ["group-open-twice"] = () => On(m =>
        {
            using var group = m.OpenGroup();
            return m.Kernel.Open(m.GroupPath, OpenFlags.ReadWrite);
        }),
        ["group-open-while-cdev-bound"] = () =>
        {
            using var machine = new CdevMachine();
            using var device = machine.OpenCdev();
            Assert.Equal(0, machine.Bind(device, out _));
            return machine.Kernel.Open("/dev/vfio/5", OpenFlags.ReadWrite);
        },
        ["group-open-noiommu-without-rawio"] = () =>
        {
            var machine = GroupMachine.NoIommu(root: false);
            return machine.Kernel.Open(machine.GroupPath, OpenFlags.ReadWrite);
        },
        ["group-get-status-argsz-small"] = () => On(m =>
        {
            using var group = m.OpenGroup();
            var status = new vfio_group_status { argsz = 7 };
            return group.TryVFIO_GROUP_GET_STATUS(ref status, setSize: false);
        }),
        ["group-set-container-twice"] = () => OnJoined((m, c, g) =>
        {
            using var other = m.OpenContainer();
            var same = g.TryVFIO_GROUP_SET_CONTAINER(c.DangerousGetFd());
            var another = g.TryVFIO_GROUP_SET_CONTAINER(other.DangerousGetFd());
            using var iommufd = new IommufdHandle(m.Kernel, m.Kernel.Open("/dev/iommu", OpenFlags.ReadWrite));
            var iommufdToo = g.TryVFIO_GROUP_SET_CONTAINER(iommufd.DangerousGetFd());
            return same == another && another == iommufdToo ? same : WrongReply;
        }),
        ["group-set-container-bad-fd"] = () => On(m =>
        {
            using var group = m.OpenGroup();
            return group.TryVFIO_GROUP_SET_CONTAINER(999);
        }),
        ["group-set-container-not-a-container"] = () => On(m =>
        {
            using var group = m.OpenGroup();
            var eventFd = m.Kernel.EventFd(0, EventFdFlags.None);
            var result = group.TryVFIO_GROUP_SET_CONTAINER(eventFd);
            Assert.Equal(0, m.Kernel.Close(eventFd));
            return result;
        }),
        ["group-set-container-not-viable"] = () =>
        {
            var machine = new GroupMachine();
            machine.Kernel.AddPciDevice(new DmaProbeDevice(), "0000:00:01.1", GroupMachine.Group, driver: "e1000e");
            using var container = machine.OpenContainer();
            using var group = machine.OpenGroup();
            var viable = (GroupMachine.Status(group) & (uint)vfio.VFIO_GROUP_FLAGS_VIABLE) != 0;
            var result = group.TryVFIO_GROUP_SET_CONTAINER(container.DangerousGetFd());
            return !viable ? result : WrongReply;
        },
        ["group-set-container-mix-noiommu"] = () =>
        {
            var machine = new GroupMachine(new SimulatedKernelOptions { Profile = GroupMachine.Profile, EnableUnsafeNoIommuMode = true });
            machine.Kernel.AddPciDevice(new DmaProbeDevice(), "0000:00:02.0", 6, outsideIommu: true);
            using var container = machine.OpenContainer();
            using var group = machine.OpenGroup();
            using var noIommuGroup = machine.OpenGroup("/dev/vfio/noiommu-6");
            Assert.Equal(0, group.TryVFIO_GROUP_SET_CONTAINER(container.DangerousGetFd()));
            return noIommuGroup.TryVFIO_GROUP_SET_CONTAINER(container.DangerousGetFd());
        },
        ["group-unset-container-not-set"] = () => On(m =>
        {
            using var group = m.OpenGroup();
            return group.TryVFIO_GROUP_UNSET_CONTAINER();
        }),
        ["group-unset-container-device-open"] = () => OnJoined((m, c, g) =>
        {
            using var device = GroupMachine.OpenDevice(g);
            return g.TryVFIO_GROUP_UNSET_CONTAINER();
        }),
        ["group-get-device-fd-no-container"] = () => On(m =>
        {
            using var group = m.OpenGroup();
            return group.TryVFIO_GROUP_GET_DEVICE_FD(GroupMachine.Address, out _);
        }),
        ["group-get-device-fd-no-iommu"] = () => OnJoined((m, c, g) => g.TryVFIO_GROUP_GET_DEVICE_FD(GroupMachine.Address, out _), iommuType: 0),
        ["group-get-device-fd-wrong-name"] = () => OnJoined((m, c, g) =>
        {
            var other = g.TryVFIO_GROUP_GET_DEVICE_FD("0000:00:02.0", out _);
            var sysfsPath = g.TryVFIO_GROUP_GET_DEVICE_FD("/sys/bus/pci/devices/" + GroupMachine.Address, out _);
            var suffix = g.TryVFIO_GROUP_GET_DEVICE_FD(GroupMachine.Address + "x", out _);
            var shortForm = g.TryVFIO_GROUP_GET_DEVICE_FD("00:01.0", out _);
            return other == sysfsPath && sysfsPath == suffix && suffix == shortForm ? other : WrongReply;
        }),
        ["group-get-device-fd-trailing-option"] = () => OnJoined((m, c, g) => g.TryVFIO_GROUP_GET_DEVICE_FD(GroupMachine.Address + " foo", out _)),
        ["group-get-device-fd-vf-token-not-vf"] = () => OnJoined((m, c, g) =>
            g.TryVFIO_GROUP_GET_DEVICE_FD(GroupMachine.Address + " vf_token=2ab74924-c335-45f4-9b16-8569e5b08258", out _)),
        ["group-get-device-fd-twice"] = () => OnJoined((m, c, g) =>
        {
            using var first = GroupMachine.OpenDevice(g);
            var result = g.TryVFIO_GROUP_GET_DEVICE_FD(GroupMachine.Address, out var second);
            using (second)
            {
                return result > 0 && second!.DangerousGetFd() != first.DangerousGetFd() ? 0 : WrongReply;
            }
        }),

        // The point of this row is sending device and container ioctls to a group fd.
#pragma warning disable VFIO004
        ["group-unknown-ioctl"] = () => On(m =>
        {
            using var group = m.OpenGroup();
            var info = new vfio_device_info { argsz = (uint)sizeof(vfio_device_info) };
            var device = m.Kernel.Ioctl(group.DangerousGetFd(), vfio.VFIO_DEVICE_GET_INFO, (nint)(&info));
            var map = new vfio_iommu_type1_dma_map { argsz = 32 };
            var container = m.Kernel.Ioctl(group.DangerousGetFd(), vfio.VFIO_IOMMU_MAP_DMA, (nint)(&map));
            return device == container ? device : WrongReply;
        }),
#pragma warning restore VFIO004

        ["any-open-without-permission"] = () =>
        {
            var machine = new GroupMachine(new SimulatedKernelOptions { Profile = GroupMachine.Profile, DeviceNodeAccess = false });
            var kernel = machine.Kernel;
            var group = kernel.Open(machine.GroupPath, OpenFlags.ReadWrite);
            var cdev = kernel.Open("/dev/vfio/devices/vfio0", OpenFlags.ReadWrite);
            var iommufd = kernel.Open("/dev/iommu", OpenFlags.ReadWrite);

            // The container node is 0666.
            var container = kernel.Open("/dev/vfio/vfio", OpenFlags.ReadWrite);
            var containerOpens = container >= 0 && kernel.Close(container) == 0;
            return group == cdev && cdev == iommufd && containerOpens ? group : WrongReply;
        },
        // The point of this row is a NULL argument pointer.
#pragma warning disable VFIO004
        ["any-bad-argument-pointer"] = () => OnJoined((m, c, g) =>
        {
            var kernel = m.Kernel;
            var map = kernel.Ioctl(c.DangerousGetFd(), vfio.VFIO_IOMMU_MAP_DMA, 0);
            var unmap = kernel.Ioctl(c.DangerousGetFd(), vfio.VFIO_IOMMU_UNMAP_DMA, 0);
            var info = kernel.Ioctl(c.DangerousGetFd(), vfio.VFIO_IOMMU_GET_INFO, 0);
            var status = kernel.Ioctl(g.DangerousGetFd(), vfio.VFIO_GROUP_GET_STATUS, 0);
            var setContainer = kernel.Ioctl(g.DangerousGetFd(), vfio.VFIO_GROUP_SET_CONTAINER, 0);
            var deviceFd = kernel.Ioctl(g.DangerousGetFd(), vfio.VFIO_GROUP_GET_DEVICE_FD, 0);
            long[] answers = [unmap, info, status, setContainer, deviceFd];
            return answers.All(answer => answer == map) ? map : WrongReply;
        }),
#pragma warning restore VFIO004
    };

    private static long On(Func<GroupMachine, long> misuse, SimulatedKernelOptions? options = null) => misuse(new GroupMachine(options));

    private static long OnJoined(Func<GroupMachine, ContainerHandle, GroupHandle, long> misuse, int iommuType = vfio.VFIO_TYPE1v2_IOMMU, SimulatedKernelOptions? options = null)
        => On(
            m =>
            {
                var (container, group) = m.Joined(iommuType);
                using (container)
                using (group)
                {
                    return misuse(m, container, group);
                }
            },
            options);

    private static long OnNoIommuJoined(Func<GroupMachine, ContainerHandle, GroupHandle, long> misuse, bool setIommu = true)
    {
        var machine = GroupMachine.NoIommu();
        var (container, group) = machine.Joined(setIommu ? vfio.VFIO_NOIOMMU_IOMMU : 0);
        using (container)
        using (group)
        {
            return misuse(machine, container, group);
        }
    }
}
