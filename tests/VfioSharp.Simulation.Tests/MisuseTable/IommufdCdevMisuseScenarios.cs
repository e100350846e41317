using VfioSharp.Handles;
using VfioSharp.Kernel;
using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.Tests.Cdev;
using VfioSharp.Simulation.Tests.Iommufd;
using VfioSharp.Uapi;

namespace VfioSharp.Simulation.Tests.MisuseTable;

/// <summary>
/// One scenario per misuse-table row of mode <c>cdev</c> or <c>iommufd</c>: each builds the row's state on a fresh
/// simulated 6.17 machine, commits the misuse and returns what the kernel answered (0 or −errno). A scenario that
/// must also check a side effect (pt_id rewritten, iova not honoured) returns <see cref="long.MinValue"/> when the
/// side effect is wrong.
/// </summary>
public static unsafe class IommufdCdevMisuseScenarios
{
    /// <summary>Returned when the ioctl's answer was right but what it wrote back was not.</summary>
    public const long WrongReply = long.MinValue;

    /// <summary>An address no mapping of the simulated process holds.</summary>
    private static readonly nint Unmapped = unchecked((nint)0x7000_0000_0000L);

    /// <summary>The scenarios by row id.</summary>
    public static IReadOnlyDictionary<string, Func<long>> All { get; } = new Dictionary<string, Func<long>>(StringComparer.Ordinal)
    {
        ["cdev-ioctl-before-bind"] = () => OnCdev((m, d) =>
        {
            var info = new vfio_device_info();
            return d.TryVFIO_DEVICE_GET_INFO(ref info);
        }),
        ["cdev-attach-before-bind"] = () => OnCdev((m, d) =>
        {
            var pt = m.AllocateIoas();
            return CdevMachine.Attach(d, ref pt);
        }),
        ["cdev-bind-twice"] = () => OnCdev((m, d) =>
        {
            Assert.Equal(0, m.Bind(d, out _));
            return m.Bind(d, out _);
        }),
        ["cdev-bind-second-fd"] = () => OnCdev((m, d) =>
        {
            using var second = m.OpenCdev();
            Assert.Equal(0, m.Bind(d, out _));
            return m.Bind(second, out _);
        }),
        ["cdev-bind-while-group-open"] = () => OnCdev((m, d) =>
        {
            using var group = new GroupHandle(m.Kernel, m.Kernel.Open("/dev/vfio/5", OpenFlags.ReadWrite));
            Assert.False(group.IsInvalid);
            return m.Bind(d, out _);
        }),
        ["cdev-bind-bad-iommufd"] = () => OnCdev((m, d) =>
        {
            using var container = new ContainerHandle(m.Kernel, m.Kernel.Open("/dev/vfio/vfio", OpenFlags.ReadWrite));
            var bind = new vfio_device_bind_iommufd { iommufd = container.DangerousGetFd() };
            return d.TryVFIO_DEVICE_BIND_IOMMUFD(ref bind);
        }),
        ["cdev-bind-argsz"] = () => OnCdev((m, d) =>
        {
            var bind = new vfio_device_bind_iommufd { argsz = 12, iommufd = m.Iommufd.DangerousGetFd() };
            return d.TryVFIO_DEVICE_BIND_IOMMUFD(ref bind, setSize: false);
        }),
        ["cdev-bind-unknown-flags"] = () => OnCdev((m, d) =>
        {
            var bind = new vfio_device_bind_iommufd { flags = 2, iommufd = m.Iommufd.DangerousGetFd() };
            return d.TryVFIO_DEVICE_BIND_IOMMUFD(ref bind);
        }),
        ["cdev-bind-token-not-vf"] = () => OnCdev((m, d) =>
        {
            var token = stackalloc byte[16];
            token[0] = 0x42;
            var bind = new vfio_device_bind_iommufd { flags = (uint)vfio.VFIO_DEVICE_BIND_FLAG_TOKEN, iommufd = m.Iommufd.DangerousGetFd(), token_uuid_ptr = (ulong)token };
            return d.TryVFIO_DEVICE_BIND_IOMMUFD(ref bind);
        }),
        ["cdev-bind-on-group-device-fd"] = BindOnGroupDeviceFd,
        ["cdev-bind-no-interrupt-remapping"] = () => OnCdev(
            (m, d) => m.Bind(d, out _),
            new SimulatedKernelOptions { Profile = SimulatedKernelProfile.Linux617, InterruptRemapping = false }),
        ["cdev-attach-unknown-pt"] = () => OnBound((m, d, devid) =>
        {
            uint pt = 99;
            return CdevMachine.Attach(d, ref pt);
        }),
        ["cdev-attach-wrong-object"] = () => OnBound((m, d, devid) =>
        {
            var pt = devid;
            return CdevMachine.Attach(d, ref pt);
        }),
        ["cdev-attach-bad-args"] = () => OnBound((m, d, devid) =>
        {
            var attach = new vfio_device_attach_iommufd_pt { argsz = 8, pt_id = m.AllocateIoas() };
            return d.TryVFIO_DEVICE_ATTACH_IOMMUFD_PT(ref attach, setSize: false);
        }),
        ["cdev-attach-twice"] = () => OnBound((m, d, devid) =>
        {
            uint first = m.AllocateIoas(), second = m.AllocateIoas();
            Assert.Equal(0, CdevMachine.Attach(d, ref first));
            return CdevMachine.Attach(d, ref second);
        }),
        ["cdev-attach-pt-id-rewritten"] = () => OnBound((m, d, devid) =>
        {
            var ioas = m.AllocateIoas();
            var pt = ioas;
            var result = CdevMachine.Attach(d, ref pt);
            return pt != ioas && m.Destroy(pt) == -LinuxErrnoNumbers.EBUSY ? result : WrongReply;
        }),
        ["cdev-detach-not-attached"] = () => OnBound((m, d, devid) => CdevMachine.Detach(d)),
        ["cdev-attach-after-unaligned-map"] = () => OnBound((m, d, devid) =>
        {
            var ioas = m.AllocateIoas();
            Assert.Equal(0, m.Map(ioas, m.Buffer(0x1000), 0x800, 0x1000));
            return CdevMachine.Attach(d, ref ioas);
        }),
        ["cdev-attach-after-map-in-reserved"] = () => OnBound((m, d, devid) =>
        {
            var ioas = m.AllocateIoas();
            Assert.Equal(0, m.Map(ioas, m.Buffer(0x1000), 0x1000, 0xfee00000));
            return CdevMachine.Attach(d, ref ioas);
        }),
        ["cdev-attach-after-map-bad-vaddr"] = () => OnBound((m, d, devid) =>
        {
            var ioas = m.AllocateIoas();
            Assert.Equal(0, m.Map(ioas, Unmapped, 0x1000, 0x1000));
            return CdevMachine.Attach(d, ref ioas);
        }),
        ["cdev-noiommu-node"] = () =>
        {
            var kernel = new SimulatedKernel(new SimulatedKernelOptions { Profile = SimulatedKernelProfile.Linux617, Iommu = false, EnableUnsafeNoIommuMode = true });
            kernel.AddPciDevice(new DmaProbeDevice(), CdevMachine.Address, 5);
            return kernel.Open("/dev/vfio/devices/noiommu-vfio0", OpenFlags.ReadWrite);
        },

        // A readable argument, as the real-kernel suite passes: with CONFIG_IOMMUFD_TEST (the fragment-built 7.3)
        // the command table reaches IOMMU_TEST_CMD (0xa0), so 0x99 lies inside it, where the size is read (get_user)
        // before the number is checked: a NULL argument is EFAULT there, seen on the built 7.3.4.
        ["iommufd-unknown-ioctl"] = () => On(m =>
        {
            var argument = stackalloc byte[64];
            new Span<byte>(argument, 64).Clear();

            // SAFETY: the 64 zeroed bytes live on this frame for both calls.
            var inTableRange = m.Kernel.Ioctl(m.Iommufd.DangerousGetFd(), 0x3B99, (nint)argument);
            return inTableRange == m.Kernel.Ioctl(m.Iommufd.DangerousGetFd(), 0x3BFF, (nint)argument) ? inTableRange : WrongReply;
        }),

        // /dev/iommu answers VFIO container ioctls (its compat interface): passing it where VFIO004 expects a
        // container fd is the point of these two rows.
#pragma warning disable VFIO004
        ["iommufd-vfio-compat-without-ioas"] = () => On(m =>
        {
            var buffer = m.Buffer(0x1000);
            var map = new vfio_iommu_type1_dma_map { argsz = (uint)sizeof(vfio_iommu_type1_dma_map), flags = 3, vaddr = (ulong)buffer, iova = 0x100000, size = 0x1000 };
            return m.Kernel.Ioctl(m.Iommufd.DangerousGetFd(), vfio.VFIO_IOMMU_MAP_DMA, (nint)(&map));
        }),
        ["iommufd-vfio-compat-unmap-empty"] = () => On(m =>
        {
            var compat = new iommu_vfio_ioas { ioas_id = m.AllocateIoas(), op = (ushort)iommufd_vfio_ioas_op.IOMMU_VFIO_IOAS_SET };
            Assert.Equal(0, m.Iommufd.TryIOMMU_VFIO_IOAS(ref compat));
            var unmap = new vfio_iommu_type1_dma_unmap { argsz = (uint)sizeof(vfio_iommu_type1_dma_unmap), iova = 0x100000, size = 0x1000 };
            return m.Kernel.Ioctl(m.Iommufd.DangerousGetFd(), vfio.VFIO_IOMMU_UNMAP_DMA, (nint)(&unmap));
        }),
#pragma warning restore VFIO004
        ["iommufd-size-too-small"] = () => On(m =>
        {
            var alloc = new iommu_ioas_alloc { size = 8 };
            return m.Iommufd.TryIOMMU_IOAS_ALLOC(ref alloc, setSize: false);
        }),
        ["iommufd-size-larger-nonzero-tail"] = () => On(m => AllocWithTail(m, 0x5a)),
        ["iommufd-size-larger-zero-tail"] = () => On(m => AllocWithTail(m, 0)),
        ["iommufd-ioas-alloc-flags"] = () => On(m =>
        {
            var alloc = new iommu_ioas_alloc { flags = 1 };
            return m.Iommufd.TryIOMMU_IOAS_ALLOC(ref alloc);
        }),
        ["iommufd-map-unknown-ioas"] = () => On(m => m.Map(77, m.Buffer(0x1000), 0x1000, 0x1000)),
        ["iommufd-map-flags"] = () => On(m => m.Map(m.AllocateIoas(), m.Buffer(0x1000), 0x1000, 0x1000, CdevMachine.FixedReadWrite | 8)),
        ["iommufd-map-no-permission"] = () => On(m => m.Map(m.AllocateIoas(), m.Buffer(0x1000), 0x1000, 0x1000, (uint)iommufd_ioas_map_flags.IOMMU_IOAS_MAP_FIXED_IOVA)),
        ["iommufd-map-length-zero"] = () => On(m => m.Map(m.AllocateIoas(), m.Buffer(0x1000), 0, 0x1000)),
        ["iommufd-map-overflow"] = () => On(m => m.Map(m.AllocateIoas(), unchecked((nint)(ulong.MaxValue - 0xfff)), 0x2000, 0x1000)),
        ["iommufd-map-unaligned-attached"] = () => OnAttached((m, ioas) => m.Map(ioas, m.Buffer(0x1000), 0x800, 0x100000)),
        ["iommufd-map-unaligned-no-device"] = () => On(m => m.Map(m.AllocateIoas(), m.Buffer(0x1000) + 0x10, 0x7f0, 0x100010)),
        ["iommufd-map-fixed-overlap"] = () => On(m =>
        {
            var ioas = m.AllocateIoas();
            Assert.Equal(0, m.Map(ioas, m.Buffer(0x2000), 0x2000, 0x10000));
            return m.Map(ioas, m.Buffer(0x1000), 0x1000, 0x11000);
        }),
        ["iommufd-map-overlap-not-fixed"] = () => On(m =>
        {
            var ioas = m.AllocateIoas();
            Assert.Equal(0, m.Map(ioas, m.Buffer(0x1000), 0x1000, 0x1000));
            ulong iova = 0x1000;
            var result = m.Map(ioas, m.Buffer(0x1000), 0x1000, ref iova, CdevMachine.ReadWrite);
            return iova != 0x1000 ? result : WrongReply;
        }),
        ["iommufd-map-fixed-reserved"] = () => OnAttached((m, ioas) => m.Map(ioas, m.Buffer(0x1000), 0x1000, 0xfee00000)),
        ["iommufd-map-no-space"] = () => On(m =>
        {
            var ioas = m.AllocateIoas();
            var allowed = new iommu_iova_range { start = 0x100000, last = 0x100fff };
            var allow = new iommu_ioas_allow_iovas { ioas_id = ioas, num_iovas = 1, allowed_iovas = (ulong)(&allowed) };
            Assert.Equal(0, m.Iommufd.TryIOMMU_IOAS_ALLOW_IOVAS(ref allow));
            ulong iova = 0;
            return m.Map(ioas, m.Buffer(0x2000), 0x2000, ref iova, CdevMachine.ReadWrite);
        }),
        ["iommufd-map-vaddr-unmapped"] = () => OnAttached((m, ioas) => m.Map(ioas, Unmapped, 0x1000, 0x100000)),
        ["iommufd-map-rlimit-memlock"] = () => OnAttached(
            (m, ioas) => m.Map(ioas, m.Buffer(0x8000), 0x8000, 0x100000),
            new SimulatedKernelOptions { Profile = SimulatedKernelProfile.Linux617, Root = false, MemlockLimitBytes = 0x4000 }),
        ["iommufd-unmap-never-mapped"] = () => On(m => m.Unmap(m.AllocateIoas(), 0x100000, 0x1000, out _)),
        ["iommufd-unmap-double"] = () => On(m =>
        {
            var ioas = m.AllocateIoas();
            Assert.Equal(0, m.Map(ioas, m.Buffer(0x1000), 0x1000, 0x100000));
            Assert.Equal(0, m.Unmap(ioas, 0x100000, 0x1000, out _));
            return m.Unmap(ioas, 0x100000, 0x1000, out _);
        }),
        ["iommufd-unmap-partial"] = () => On(m =>
        {
            var ioas = m.AllocateIoas();
            Assert.Equal(0, m.Map(ioas, m.Buffer(0x2000), 0x2000, 0x100000));
            return m.Unmap(ioas, 0x100000, 0x1000, out _);
        }),
        ["iommufd-unmap-length-zero"] = () => On(m => m.Unmap(m.AllocateIoas(), 0x100000, 0, out _)),
        ["iommufd-unmap-overflow"] = () => On(m => m.Unmap(m.AllocateIoas(), 0x1000, ulong.MaxValue, out _)),
        ["iommufd-unmap-all-empty"] = () => On(m =>
        {
            var result = m.Unmap(m.AllocateIoas(), 0, ulong.MaxValue, out var unmapped);
            return unmapped == 0 ? result : WrongReply;
        }),
        ["iommufd-iova-ranges-too-small"] = () => On(m =>
        {
            var request = new iommu_ioas_iova_ranges { ioas_id = m.AllocateIoas(), num_iovas = 0 };
            var result = m.Iommufd.TryIOMMU_IOAS_IOVA_RANGES(ref request);
            return request.num_iovas == 1 ? result : WrongReply;
        }),
        ["iommufd-iova-ranges-before-attach"] = () => On(m =>
        {
            var range = new iommu_iova_range();
            var request = new iommu_ioas_iova_ranges { ioas_id = m.AllocateIoas(), num_iovas = 1, allowed_iovas = (ulong)(&range) };
            var result = m.Iommufd.TryIOMMU_IOAS_IOVA_RANGES(ref request);
            return range.start == 0 && range.last == ulong.MaxValue && request.out_iova_alignment == 1 ? result : WrongReply;
        }),
        ["iommufd-iova-ranges-reserved"] = () => On(m =>
        {
            var request = new iommu_ioas_iova_ranges { ioas_id = m.AllocateIoas(), __reserved = 1 };
            return m.Iommufd.TryIOMMU_IOAS_IOVA_RANGES(ref request);
        }),
        ["iommufd-destroy-unknown"] = () => On(m => m.Destroy(0)),
        ["iommufd-destroy-ioas-in-use"] = () => OnAttached((m, ioas) => m.Destroy(ioas)),
        ["iommufd-destroy-device-object"] = () => OnBound((m, d, devid) => m.Destroy(devid)),
        ["iommufd-destroy-ioas-with-mappings"] = () => On(m =>
        {
            var ioas = m.AllocateIoas();
            Assert.Equal(0, m.Map(ioas, m.Buffer(0x1000), 0x1000, 0x100000));
            return m.Destroy(ioas);
        }),
        ["iommufd-option-rlimit"] = () => On(
            m =>
            {
                var option = new iommu_option { option_id = (uint)iommufd_option.IOMMU_OPTION_RLIMIT_MODE, op = (ushort)iommufd_option_ops.IOMMU_OPTION_OP_SET, val64 = 1 };
                return m.Iommufd.TryIOMMU_OPTION(ref option);
            },
            new SimulatedKernelOptions { Profile = SimulatedKernelProfile.Linux617, Root = false }),
    };

    private static long On(Func<CdevMachine, long> misuse, SimulatedKernelOptions? options = null)
    {
        using var machine = new CdevMachine(options);
        return misuse(machine);
    }

    private static long OnCdev(Func<CdevMachine, DeviceHandle, long> misuse, SimulatedKernelOptions? options = null)
        => On(m =>
        {
            using var device = m.OpenCdev();
            return misuse(m, device);
        }, options);

    private static long OnBound(Func<CdevMachine, DeviceHandle, uint, long> misuse)
        => OnCdev((m, d) =>
        {
            Assert.Equal(0, m.Bind(d, out var deviceId));
            return misuse(m, d, deviceId);
        });

    private static long OnAttached(Func<CdevMachine, uint, long> misuse, SimulatedKernelOptions? options = null)
        => On(m =>
        {
            var ioas = m.AllocateIoas();
            using var device = m.Attached(ioas).Device;
            return misuse(m, ioas);
        }, options);

    /// <summary>IOMMU_IOAS_ALLOC with size 32 (its struct is 12): bytes 12..31 zero but one, set to <paramref name="tailByte"/>.</summary>
    private static long AllocWithTail(CdevMachine machine, byte tailByte)
    {
        var buffer = stackalloc byte[32];
        new Span<byte>(buffer, 32).Clear();
        *(uint*)buffer = 32;
        buffer[20] = tailByte;
        return machine.Kernel.Ioctl(machine.Iommufd.DangerousGetFd(), iommufd.IOMMU_IOAS_ALLOC, (nint)buffer);
    }

    private static long BindOnGroupDeviceFd()
    {
        using var machine = new CdevMachine();
        var kernel = machine.Kernel;
        using var container = new ContainerHandle(kernel, kernel.Open("/dev/vfio/vfio", OpenFlags.ReadWrite));
        using var group = new GroupHandle(kernel, kernel.Open("/dev/vfio/5", OpenFlags.ReadWrite));
        Assert.Equal(0, group.TryVFIO_GROUP_SET_CONTAINER(container.DangerousGetFd()));
        Assert.Equal(0, container.TryVFIO_SET_IOMMU(vfio.VFIO_TYPE1v2_IOMMU));
        Assert.True(group.TryVFIO_GROUP_GET_DEVICE_FD(CdevMachine.Address, out var opened) >= 0);
        using var device = opened!;
        return machine.Bind(device, out _);
    }
}
