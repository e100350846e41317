using VfioSharp.Handles;
using VfioSharp.Kernel;
using VfioSharp.Uapi;

namespace VfioSharp.KernelSuite.ErrnoParity;

/// <summary>
/// Misuse-table rows of the device cdev (mode <c>cdev</c>), committed on edu's cdev opened by the row (the runtime's
/// scenarios have released it) with a /dev/iommu fd of its own, returning 0 or −errno. They are the simulated
/// kernel's scenarios of the same ids (IommufdCdevMisuseScenarios) on the real kernel.
/// </summary>
internal static unsafe class CdevRows
{
    /// <summary>An address no mapping of this process holds.</summary>
    private static readonly nint Unmapped = unchecked((nint)0x7000_0000_0000L);

    /// <summary>Rows of the cdev boot.</summary>
    public static IReadOnlyDictionary<string, Func<GuestEnvironment, long>> WithIommu { get; } = new Dictionary<string, Func<GuestEnvironment, long>>(StringComparer.Ordinal)
    {
        ["cdev-ioctl-before-bind"] = _ => OnCdev((m, d) =>
        {
            var info = new vfio_device_info();
            Span<byte> bytes = stackalloc byte[4];
            return Reply.Same(
                ("VFIO_DEVICE_GET_INFO", d.TryVFIO_DEVICE_GET_INFO(ref info)),
                ("pread", CdevMachine.Kernel.PRead(d.DangerousGetFd(), bytes, 7L << 40)));
        }),
        ["cdev-attach-before-bind"] = _ => OnCdev((m, d) =>
        {
            var pt = m.AllocateIoas();
            return CdevMachine.Attach(d, ref pt);
        }),
        ["cdev-bind-twice"] = _ => OnCdev((m, d) =>
        {
            Reply.Require(m.Bind(d, out var _), "the first bind");
            return m.Bind(d, out var _);
        }),
        ["cdev-bind-second-fd"] = _ => OnCdev((m, d) =>
        {
            using var second = CdevMachine.OpenCdev();
            Reply.Require(m.Bind(d, out var _), "the first fd's bind");
            return m.Bind(second, out var _);
        }),
        ["cdev-bind-while-group-open"] = g => OnCdev((m, d) =>
        {
            var path = GuestNodes.GroupPath(g);
            using var group = new GroupHandle(CdevMachine.Kernel, GuestNodes.Opened(CdevMachine.Kernel.Open(path, OpenFlags.ReadWrite), path));
            return m.Bind(d, out var _);
        }),
        ["cdev-bind-bad-iommufd"] = _ => OnCdev((m, d) =>
        {
            using var container = GroupMachine.OpenContainer();
            var bind = new vfio_device_bind_iommufd { iommufd = container.DangerousGetFd() };
            return d.TryVFIO_DEVICE_BIND_IOMMUFD(ref bind);
        }),
        ["cdev-bind-argsz"] = _ => OnCdev((m, d) =>
        {
            var bind = new vfio_device_bind_iommufd { argsz = 12, iommufd = m.Iommufd.DangerousGetFd() };
            return d.TryVFIO_DEVICE_BIND_IOMMUFD(ref bind, setSize: false);
        }),
        ["cdev-bind-unknown-flags"] = _ => OnCdev((m, d) =>
        {
            var bind = new vfio_device_bind_iommufd { flags = 2, iommufd = m.Iommufd.DangerousGetFd() };
            return d.TryVFIO_DEVICE_BIND_IOMMUFD(ref bind);
        }),
        ["cdev-bind-token-not-vf"] = _ => OnCdev((m, d) =>
        {
            var token = stackalloc byte[16];
            token[0] = 0x42;
            // SAFETY: the token lives on this frame for the call.
            var bind = new vfio_device_bind_iommufd { flags = (uint)vfio.VFIO_DEVICE_BIND_FLAG_TOKEN, iommufd = m.Iommufd.DangerousGetFd(), token_uuid_ptr = (ulong)token };
            return d.TryVFIO_DEVICE_BIND_IOMMUFD(ref bind);
        }),
        ["cdev-bind-on-group-device-fd"] = g => ContainerRows.OnJoined(g, (gm, c, group) =>
        {
            using var iommufd = new CdevMachine();
            using var device = gm.OpenDevice(group);
            return iommufd.Bind(device, out var _);
        }),
        ["cdev-attach-unknown-pt"] = _ => OnBound((m, d, devid) =>
        {
            uint pt = 99;
            return CdevMachine.Attach(d, ref pt);
        }),
        ["cdev-attach-wrong-object"] = _ => OnBound((m, d, devid) =>
        {
            var pt = devid;
            return CdevMachine.Attach(d, ref pt);
        }),
        ["cdev-attach-bad-args"] = _ => OnBound((m, d, devid) =>
        {
            var attach = new vfio_device_attach_iommufd_pt { argsz = 8, pt_id = m.AllocateIoas() };
            var flags = new vfio_device_attach_iommufd_pt { flags = 0x10, pt_id = m.AllocateIoas() };
            var detach = new vfio_device_detach_iommufd_pt { argsz = 4 };
            return Reply.Same(
                ("ATTACH argsz 8", d.TryVFIO_DEVICE_ATTACH_IOMMUFD_PT(ref attach, setSize: false)),
                ("ATTACH unknown flag", d.TryVFIO_DEVICE_ATTACH_IOMMUFD_PT(ref flags)),
                ("DETACH argsz 4", d.TryVFIO_DEVICE_DETACH_IOMMUFD_PT(ref detach, setSize: false)));
        }),
        ["cdev-attach-twice"] = _ => OnBound((m, d, devid) =>
        {
            uint first = m.AllocateIoas(), second = m.AllocateIoas();
            Reply.Require(CdevMachine.Attach(d, ref first), "the first attach");
            return CdevMachine.Attach(d, ref second);
        }),
        ["cdev-attach-pt-id-rewritten"] = _ => OnBound((m, d, devid) =>
        {
            var ioas = m.AllocateIoas();
            var pt = ioas;
            var result = CdevMachine.Attach(d, ref pt);
            var destroyHwpt = pt != ioas ? m.Destroy(pt) : 0;
            return Reply.With(result, pt != ioas && destroyHwpt == -Errno.EBUSY.Value, $"pt_id {pt} came back for IOAS {ioas}; destroying it gave {Reply.Name(destroyHwpt)}");
        }),
        ["cdev-detach-not-attached"] = _ => OnBound((m, d, devid) => Reply.Same(("once", CdevMachine.Detach(d)), ("twice", CdevMachine.Detach(d)))),
        ["cdev-attach-after-unaligned-map"] = _ => OnBound((m, d, devid) =>
        {
            var ioas = m.AllocateIoas();
            Reply.Require(m.Map(ioas, m.Buffer(0x1000), 0x800, 0x1000), "the unaligned map before the attach");
            return CdevMachine.Attach(d, ref ioas);
        }),
        ["cdev-attach-after-map-in-reserved"] = _ => OnBound((m, d, devid) =>
        {
            var ioas = m.AllocateIoas();
            Reply.Require(m.Map(ioas, m.Buffer(0x1000), 0x1000, 0xfee00000), "the map in the MSI window before the attach");
            return CdevMachine.Attach(d, ref ioas);
        }),
        ["cdev-attach-after-map-bad-vaddr"] = _ => OnBound((m, d, devid) =>
        {
            var ioas = m.AllocateIoas();
            Reply.Require(m.Map(ioas, Unmapped, 0x1000, 0x1000), "the map of unmapped memory before the attach");
            return CdevMachine.Attach(d, ref ioas);
        }),
    };

    /// <summary>Rows of the no-IOMMU cdev boot.</summary>
    public static IReadOnlyDictionary<string, Func<GuestEnvironment, long>> NoIommu { get; } = new Dictionary<string, Func<GuestEnvironment, long>>(StringComparer.Ordinal)
    {
        // 6.17 has no node to open (ENOENT); the built 7.3 has one (its Versions: answer), which root opens and a
        // thread without CAP_SYS_RAWIO may not (vfio_device_fops_cdev_open).
        ["cdev-noiommu-node"] = _ =>
        {
            var path = Environment.GetEnvironmentVariable("VFIOSHARP_CDEV") ?? "/dev/vfio/devices/noiommu-vfio0";
            var root = GroupRows.OpenAndClose(path);
            var withoutRawio = Unprivileged.Without(Capability.SysRawio, () => GroupRows.OpenAndClose(path));
            return root == 0 ? Reply.With(root, withoutRawio == -Errno.EPERM.Value, $"without CAP_SYS_RAWIO it gave {Reply.Name(withoutRawio)}, not EPERM") : root;
        },
    };

    private static long OnCdev(Func<CdevMachine, DeviceHandle, long> misuse)
    {
        using var machine = new CdevMachine();
        using var device = CdevMachine.OpenCdev();
        return misuse(machine, device);
    }

    internal static long OnBound(Func<CdevMachine, DeviceHandle, uint, long> misuse) => OnCdev((m, d) =>
    {
        Reply.Require(m.Bind(d, out var deviceId), "VFIO_DEVICE_BIND_IOMMUFD");
        return misuse(m, d, deviceId);
    });
}
