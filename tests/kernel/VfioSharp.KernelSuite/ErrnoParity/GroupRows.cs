using VfioSharp.Handles;
using VfioSharp.Kernel;
using VfioSharp.Uapi;

namespace VfioSharp.KernelSuite.ErrnoParity;

/// <summary>
/// Misuse-table rows of the group fd (mode <c>group</c>, object <c>group</c>) and the rows of every mode about
/// nodes and argument pointers (<c>any</c>), committed on fds of their own and returning 0 or −errno. They are the
/// simulated kernel's scenarios of the same ids (GroupContainerMisuseScenarios) on the real kernel.
/// </summary>
internal static unsafe class GroupRows
{
    private const string VfToken = " vf_token=2ab74924-c335-45f4-9b16-8569e5b08258";

    /// <summary>Rows of a boot with an IOMMU.</summary>
    public static IReadOnlyDictionary<string, Func<GuestEnvironment, long>> WithIommu { get; } = new Dictionary<string, Func<GuestEnvironment, long>>(StringComparer.Ordinal)
    {
        ["group-open-twice"] = g => ContainerRows.On(g, m =>
        {
            using var group = m.OpenGroup();
            return OpenAndClose(m.GroupPath);
        }),
        ["group-get-status-argsz-small"] = g => ContainerRows.On(g, m =>
        {
            using var group = m.OpenGroup();
            var status = new vfio_group_status { argsz = 7 };
            return group.TryVFIO_GROUP_GET_STATUS(ref status, setSize: false);
        }),
        ["group-set-container-twice"] = g => ContainerRows.OnJoined(g, (m, c, group) =>
        {
            using var other = GroupMachine.OpenContainer();
            var same = group.TryVFIO_GROUP_SET_CONTAINER(c.DangerousGetFd());
            var another = group.TryVFIO_GROUP_SET_CONTAINER(other.DangerousGetFd());
            if (!GuestNodes.HasIommufd)
            {
                return Reply.Same(("the same container", same), ("another", another));
            }

            using var iommufd = new IommufdHandle(GroupMachine.Kernel, GuestNodes.Opened(GroupMachine.Kernel.Open("/dev/iommu", OpenFlags.ReadWrite), "/dev/iommu"));
            return Reply.Same(("the same container", same), ("another", another), ("an iommufd", group.TryVFIO_GROUP_SET_CONTAINER(iommufd.DangerousGetFd())));
        }),
        ["group-set-container-bad-fd"] = g => ContainerRows.On(g, m =>
        {
            using var group = m.OpenGroup();
            return Reply.Same(("fd 999", group.TryVFIO_GROUP_SET_CONTAINER(999)), ("fd -1", group.TryVFIO_GROUP_SET_CONTAINER(-1)));
        }),
        ["group-set-container-not-a-container"] = g => ContainerRows.On(g, m =>
        {
            using var group = m.OpenGroup();
            var eventFd = Reply.Require(GroupMachine.Kernel.EventFd(0, EventFdFlags.None), "eventfd");
            var result = group.TryVFIO_GROUP_SET_CONTAINER((int)eventFd);
            _ = GroupMachine.Kernel.Close((int)eventFd);
            return result;
        }),
        ["group-unset-container-not-set"] = g => ContainerRows.On(g, m =>
        {
            using var group = m.OpenGroup();
            return group.TryVFIO_GROUP_UNSET_CONTAINER();
        }),
        ["group-unset-container-device-open"] = g => ContainerRows.OnJoined(g, (m, c, group) =>
        {
            using var device = m.OpenDevice(group);
            return group.TryVFIO_GROUP_UNSET_CONTAINER();
        }),
        ["group-get-device-fd-no-container"] = g => ContainerRows.On(g, m =>
        {
            using var group = m.OpenGroup();
            return GroupMachine.GetDeviceFd(group, m.Address);
        }),
        ["group-get-device-fd-no-iommu"] = g => ContainerRows.OnJoined(g, (m, c, group) => GroupMachine.GetDeviceFd(group, m.Address), iommuType: 0),
        ["group-get-device-fd-wrong-name"] = g => ContainerRows.OnJoined(g, (m, c, group) => Reply.Same(
            ("another address", GroupMachine.GetDeviceFd(group, "0000:00:02.0")),
            ("a sysfs path", GroupMachine.GetDeviceFd(group, "/sys/bus/pci/devices/" + m.Address)),
            ("a suffix", GroupMachine.GetDeviceFd(group, m.Address + "x")),
            ("the short form", GroupMachine.GetDeviceFd(group, m.Address[5..])))),
        ["group-get-device-fd-trailing-option"] = g => ContainerRows.OnJoined(g, (m, c, group) => GroupMachine.GetDeviceFd(group, m.Address + " foo")),
        ["group-get-device-fd-vf-token-not-vf"] = g => ContainerRows.OnJoined(g, (m, c, group) => GroupMachine.GetDeviceFd(group, m.Address + VfToken)),
        ["group-get-device-fd-twice"] = g => ContainerRows.OnJoined(g, (m, c, group) =>
        {
            using var first = m.OpenDevice(group);
            var result = group.TryVFIO_GROUP_GET_DEVICE_FD(m.Address, out var second);
            using (second)
            {
                return Reply.With(result > 0 ? 0 : result, second is not null && second.DangerousGetFd() != first.DangerousGetFd(), "the second fd is the first");
            }
        }),

        // The point of this row is sending device and container ioctls to a group fd.
#pragma warning disable VFIO004
        ["group-unknown-ioctl"] = g => ContainerRows.On(g, m =>
        {
            using var group = m.OpenGroup();
            var info = new vfio_device_info { argsz = (uint)sizeof(vfio_device_info) };
            var map = new vfio_iommu_type1_dma_map { argsz = 32 };
            // SAFETY: info and map live on this frame for the calls.
            return Reply.Same(
                ("VFIO_DEVICE_GET_INFO", GroupMachine.Kernel.Ioctl(group.DangerousGetFd(), vfio.VFIO_DEVICE_GET_INFO, (nint)(&info))),
                ("VFIO_IOMMU_MAP_DMA", GroupMachine.Kernel.Ioctl(group.DangerousGetFd(), vfio.VFIO_IOMMU_MAP_DMA, (nint)(&map))));
        }),

        // The point of this row is a NULL argument pointer.
        ["any-bad-argument-pointer"] = g => ContainerRows.OnJoined(g, (m, c, group) =>
        {
            var kernel = GroupMachine.Kernel;
            return Reply.Same(
                ("VFIO_IOMMU_MAP_DMA", kernel.Ioctl(c.DangerousGetFd(), vfio.VFIO_IOMMU_MAP_DMA, 0)),
                ("VFIO_IOMMU_UNMAP_DMA", kernel.Ioctl(c.DangerousGetFd(), vfio.VFIO_IOMMU_UNMAP_DMA, 0)),
                ("VFIO_IOMMU_GET_INFO", kernel.Ioctl(c.DangerousGetFd(), vfio.VFIO_IOMMU_GET_INFO, 0)),
                ("VFIO_GROUP_GET_STATUS", kernel.Ioctl(group.DangerousGetFd(), vfio.VFIO_GROUP_GET_STATUS, 0)),
                ("VFIO_GROUP_SET_CONTAINER", kernel.Ioctl(group.DangerousGetFd(), vfio.VFIO_GROUP_SET_CONTAINER, 0)),
                ("VFIO_GROUP_GET_DEVICE_FD", kernel.Ioctl(group.DangerousGetFd(), vfio.VFIO_GROUP_GET_DEVICE_FD, 0)));
        }),
#pragma warning restore VFIO004

        ["any-open-without-permission"] = g => ContainerRows.On(g, m => Unprivileged.AsNobody(() =>
        {
            var answers = new List<(string, long)> { (m.GroupPath, OpenAndClose(m.GroupPath)) };
            if (GuestNodes.CdevPath() is { } cdev)
            {
                answers.Add((cdev, OpenAndClose(cdev)));
            }

            if (GuestNodes.HasIommufd)
            {
                answers.Add(("/dev/iommu", OpenAndClose("/dev/iommu")));
            }

            // The container node is 0666.
            var container = OpenAndClose("/dev/vfio/vfio");
            return Reply.With(Reply.Same([.. answers]), container == 0, $"/dev/vfio/vfio gave {Reply.Name(container)}");
        })),
    };

    /// <summary>Rows of a boot with an IOMMU whose kernel has device cdevs too (the built kernel).</summary>
    public static IReadOnlyDictionary<string, Func<GuestEnvironment, long>> WithIommuAndCdev { get; } = new Dictionary<string, Func<GuestEnvironment, long>>(StringComparer.Ordinal)
    {
        ["group-open-while-cdev-bound"] = g =>
        {
            using var machine = new CdevMachine();
            using var device = CdevMachine.OpenCdev();
            Reply.Require(machine.Bind(device, out var _), "VFIO_DEVICE_BIND_IOMMUFD");
            return OpenAndClose(GuestNodes.GroupPath(g));
        },
    };

    /// <summary>Rows of a no-IOMMU boot.</summary>
    public static IReadOnlyDictionary<string, Func<GuestEnvironment, long>> NoIommu { get; } = new Dictionary<string, Func<GuestEnvironment, long>>(StringComparer.Ordinal)
    {
        ["group-open-noiommu-without-rawio"] = g => Unprivileged.Without(Capability.SysRawio, () => OpenAndClose(GuestNodes.GroupPath(g))),
    };

    /// <summary>open(2) of <paramref name="path"/>: 0 when it opened (and is closed again), else −errno.</summary>
    internal static long OpenAndClose(string path)
    {
        var fd = GroupMachine.Kernel.Open(path, OpenFlags.ReadWrite);
        if (fd < 0)
        {
            return fd;
        }

        _ = GroupMachine.Kernel.Close(fd);
        return 0;
    }
}
