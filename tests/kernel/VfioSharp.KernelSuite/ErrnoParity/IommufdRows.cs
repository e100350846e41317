using VfioSharp.Handles;
using VfioSharp.Uapi;

namespace VfioSharp.KernelSuite.ErrnoParity;

/// <summary>
/// Misuse-table rows of <c>/dev/iommu</c> and its IOAS (modes <c>iommufd</c> and <c>ioas</c>), each on a /dev/iommu
/// fd of its own (and, where the row's state says so, edu's cdev bound and attached), returning 0 or −errno. They
/// are the simulated kernel's scenarios of the same ids (IommufdCdevMisuseScenarios) on the real kernel.
/// </summary>
internal static unsafe class IommufdRows
{
    /// <summary>An address no mapping of this process holds.</summary>
    private static readonly nint Unmapped = unchecked((nint)0x7000_0000_0000L);

    /// <summary>Rows of the cdev boot.</summary>
    public static IReadOnlyDictionary<string, Func<GuestEnvironment, long>> WithIommu { get; } = new Dictionary<string, Func<GuestEnvironment, long>>(StringComparer.Ordinal)
    {
        // A readable argument: the fragment sets CONFIG_IOMMUFD_TEST, which stretches the command table to
        // IOMMU_TEST_CMD (0xa0), so 0x99 lies inside it, where the size is read (get_user) before the number is
        // checked: with a NULL argument the built 7.3.4 answered EFAULT. 0xff is past the table in every config.
        ["iommufd-unknown-ioctl"] = _ => On(m =>
        {
            var argument = stackalloc byte[64];
            new Span<byte>(argument, 64).Clear();
            // SAFETY: the 64 zeroed bytes live on this frame for both calls.
            return Reply.Same(
                ("0x3b99", CdevMachine.Kernel.Ioctl(m.Iommufd.DangerousGetFd(), 0x3B99, (nint)argument)),
                ("0x3bff", CdevMachine.Kernel.Ioctl(m.Iommufd.DangerousGetFd(), 0x3BFF, (nint)argument)));
        }),

        // /dev/iommu answers VFIO container ioctls (its compat interface): passing it where VFIO004 expects a
        // container fd is the point of these two rows.
#pragma warning disable VFIO004
        ["iommufd-vfio-compat-without-ioas"] = _ => On(m =>
        {
            var buffer = m.Buffer(0x1000);
            var map = new vfio_iommu_type1_dma_map { argsz = (uint)sizeof(vfio_iommu_type1_dma_map), flags = 3, vaddr = (ulong)buffer, iova = 0x100000, size = 0x1000 };
            // SAFETY: map lives on this frame for the call.
            return CdevMachine.Kernel.Ioctl(m.Iommufd.DangerousGetFd(), vfio.VFIO_IOMMU_MAP_DMA, (nint)(&map));
        }),
        ["iommufd-vfio-compat-unmap-empty"] = _ => On(m =>
        {
            var compat = new iommu_vfio_ioas { ioas_id = m.AllocateIoas(), op = (ushort)iommufd_vfio_ioas_op.IOMMU_VFIO_IOAS_SET };
            Reply.Require(m.Iommufd.TryIOMMU_VFIO_IOAS(ref compat), "IOMMU_VFIO_IOAS(SET)");
            var unmap = new vfio_iommu_type1_dma_unmap { argsz = (uint)sizeof(vfio_iommu_type1_dma_unmap), iova = 0x100000, size = 0x1000 };
            // SAFETY: unmap lives on this frame for the call.
            return CdevMachine.Kernel.Ioctl(m.Iommufd.DangerousGetFd(), vfio.VFIO_IOMMU_UNMAP_DMA, (nint)(&unmap));
        }),
#pragma warning restore VFIO004
        ["iommufd-size-too-small"] = _ => On(m =>
        {
            var alloc = new iommu_ioas_alloc { size = 8 };
            return m.Iommufd.TryIOMMU_IOAS_ALLOC(ref alloc, setSize: false);
        }),
        ["iommufd-size-larger-nonzero-tail"] = _ => On(m => AllocWithTail(m, 0x5a)),
        ["iommufd-size-larger-zero-tail"] = _ => On(m => AllocWithTail(m, 0)),
        ["iommufd-ioas-alloc-flags"] = _ => On(m =>
        {
            var alloc = new iommu_ioas_alloc { flags = 1 };
            return m.Iommufd.TryIOMMU_IOAS_ALLOC(ref alloc);
        }),
        ["iommufd-map-unknown-ioas"] = _ => On(m => m.Map(77, m.Buffer(0x1000), 0x1000, 0x1000)),
        ["iommufd-map-flags"] = _ => On(m => m.Map(m.AllocateIoas(), m.Buffer(0x1000), 0x1000, 0x1000, CdevMachine.FixedReadWrite | 8)),
        ["iommufd-map-no-permission"] = _ => On(m => m.Map(m.AllocateIoas(), m.Buffer(0x1000), 0x1000, 0x1000, (uint)iommufd_ioas_map_flags.IOMMU_IOAS_MAP_FIXED_IOVA)),
        ["iommufd-map-length-zero"] = _ => On(m => m.Map(m.AllocateIoas(), m.Buffer(0x1000), 0, 0x1000)),
        ["iommufd-map-overflow"] = _ => On(m => m.Map(m.AllocateIoas(), unchecked((nint)(ulong.MaxValue - 0xfff)), 0x2000, 0x1000)),
        ["iommufd-map-unaligned-attached"] = _ => OnAttached((m, ioas) => m.Map(ioas, m.Buffer(0x1000), 0x800, 0x100000)),
        ["iommufd-map-unaligned-no-device"] = _ => On(m => m.Map(m.AllocateIoas(), m.Buffer(0x1000) + 0x10, 0x7f0, 0x100010)),
        ["iommufd-map-fixed-overlap"] = _ => On(m =>
        {
            var ioas = m.AllocateIoas();
            Reply.Require(m.Map(ioas, m.Buffer(0x2000), 0x2000, 0x10000), "the first map");
            return m.Map(ioas, m.Buffer(0x1000), 0x1000, 0x11000);
        }),
        ["iommufd-map-overlap-not-fixed"] = _ => On(m =>
        {
            var ioas = m.AllocateIoas();
            Reply.Require(m.Map(ioas, m.Buffer(0x1000), 0x1000, 0x1000), "the first map");
            ulong iova = 0x1000;
            var result = m.Map(ioas, m.Buffer(0x1000), 0x1000, ref iova, CdevMachine.ReadWrite);
            return Reply.With(result, iova != 0x1000, "the kernel honoured the iova");
        }),
        ["iommufd-map-fixed-reserved"] = _ => OnAttached((m, ioas) => m.Map(ioas, m.Buffer(0x1000), 0x1000, 0xfee00000)),
        ["iommufd-map-no-space"] = _ => On(m =>
        {
            var ioas = m.AllocateIoas();
            var allowed = new iommu_iova_range { start = 0x100000, last = 0x100fff };
            // SAFETY: allowed lives on this frame for the call.
            var allow = new iommu_ioas_allow_iovas { ioas_id = ioas, num_iovas = 1, allowed_iovas = (ulong)(&allowed) };
            Reply.Require(m.Iommufd.TryIOMMU_IOAS_ALLOW_IOVAS(ref allow), "IOMMU_IOAS_ALLOW_IOVAS");
            ulong iova = 0;
            return m.Map(ioas, m.Buffer(0x2000), 0x2000, ref iova, CdevMachine.ReadWrite);
        }),
        ["iommufd-map-vaddr-unmapped"] = _ => OnAttached((m, ioas) => m.Map(ioas, Unmapped, 0x1000, 0x100000)),
        ["iommufd-map-rlimit-memlock"] = _ => OnAttached((m, ioas) =>
        {
            var buffer = m.Buffer(0x8000);
            return Unprivileged.WithMemlockLimit(0x4000, () => m.Map(ioas, buffer, 0x8000, 0x100000));
        }),
        ["iommufd-unmap-never-mapped"] = _ => On(m => m.Unmap(m.AllocateIoas(), 0x100000, 0x1000, out var _)),
        ["iommufd-unmap-double"] = _ => On(m =>
        {
            var ioas = m.AllocateIoas();
            Reply.Require(m.Map(ioas, m.Buffer(0x1000), 0x1000, 0x100000), "the map");
            Reply.Require(m.Unmap(ioas, 0x100000, 0x1000, out var _), "the first unmap");
            return m.Unmap(ioas, 0x100000, 0x1000, out var _);
        }),
        ["iommufd-unmap-partial"] = _ => On(m =>
        {
            var ioas = m.AllocateIoas();
            Reply.Require(m.Map(ioas, m.Buffer(0x2000), 0x2000, 0x100000), "the map");
            return Reply.Same(("starting at it", m.Unmap(ioas, 0x100000, 0x1000, out var _)), ("starting inside", m.Unmap(ioas, 0x101000, 0x1000, out var _)));
        }),
        ["iommufd-unmap-length-zero"] = _ => On(m => m.Unmap(m.AllocateIoas(), 0x100000, 0, out var _)),
        ["iommufd-unmap-overflow"] = _ => On(m => m.Unmap(m.AllocateIoas(), 0x1000, ulong.MaxValue, out var _)),
        ["iommufd-unmap-all-empty"] = _ => On(m =>
        {
            var result = m.Unmap(m.AllocateIoas(), 0, ulong.MaxValue, out var unmapped);
            return Reply.With(result, unmapped == 0, $"length {unmapped:x} came back");
        }),
        ["iommufd-iova-ranges-too-small"] = _ => On(m =>
        {
            var request = new iommu_ioas_iova_ranges { ioas_id = m.AllocateIoas(), num_iovas = 0 };
            var result = m.Iommufd.TryIOMMU_IOAS_IOVA_RANGES(ref request);
            return Reply.With(result, request.num_iovas == 1, $"num_iovas {request.num_iovas} came back, not 1");
        }),
        ["iommufd-iova-ranges-before-attach"] = _ => On(m =>
        {
            var range = new iommu_iova_range();
            // SAFETY: range lives on this frame for the call.
            var request = new iommu_ioas_iova_ranges { ioas_id = m.AllocateIoas(), num_iovas = 1, allowed_iovas = (ulong)(&range) };
            var result = m.Iommufd.TryIOMMU_IOAS_IOVA_RANGES(ref request);
            return Reply.With(result, range.start == 0 && range.last == ulong.MaxValue && request.out_iova_alignment == 1, $"[{range.start:x}, {range.last:x}] alignment {request.out_iova_alignment} came back");
        }),
        ["iommufd-iova-ranges-reserved"] = _ => On(m =>
        {
            var request = new iommu_ioas_iova_ranges { ioas_id = m.AllocateIoas(), __reserved = 1 };
            return m.Iommufd.TryIOMMU_IOAS_IOVA_RANGES(ref request);
        }),
        ["iommufd-destroy-unknown"] = _ => On(m => Reply.Same(("id 0", m.Destroy(0)), ("id 12345", m.Destroy(12345)))),
        ["iommufd-destroy-ioas-in-use"] = _ => OnAttached((m, ioas) => m.Destroy(ioas)),
        ["iommufd-destroy-device-object"] = _ => CdevRows.OnBound((m, d, devid) => m.Destroy(devid)),
        ["iommufd-destroy-ioas-with-mappings"] = _ => On(m =>
        {
            var ioas = m.AllocateIoas();
            Reply.Require(m.Map(ioas, m.Buffer(0x1000), 0x1000, 0x100000), "the map");
            return m.Destroy(ioas);
        }),
        ["iommufd-option-rlimit"] = _ => On(m => Unprivileged.Without(Capability.SysResource, () =>
        {
            var option = new iommu_option { option_id = (uint)iommufd_option.IOMMU_OPTION_RLIMIT_MODE, op = (ushort)iommufd_option_ops.IOMMU_OPTION_OP_SET, val64 = 1 };
            return m.Iommufd.TryIOMMU_OPTION(ref option);
        })),
    };

    private static long On(Func<CdevMachine, long> misuse)
    {
        using var machine = new CdevMachine();
        return misuse(machine);
    }

    /// <summary>An IOAS with edu's cdev bound and attached to it.</summary>
    private static long OnAttached(Func<CdevMachine, uint, long> misuse) => On(m =>
    {
        var ioas = m.AllocateIoas();
        using var device = m.Attached(ioas);
        return misuse(m, ioas);
    });

    /// <summary>IOMMU_IOAS_ALLOC with size 32 (its struct is 12): bytes 12..31 zero but one, set to <paramref name="tailByte"/>.</summary>
    private static long AllocWithTail(CdevMachine machine, byte tailByte)
    {
        var buffer = stackalloc byte[32];
        new Span<byte>(buffer, 32).Clear();
        // SAFETY: the 32 bytes live on this frame; size is their first u32.
        *(uint*)buffer = 32;
        buffer[20] = tailByte;
        return CdevMachine.Kernel.Ioctl(machine.Iommufd.DangerousGetFd(), iommufd.IOMMU_IOAS_ALLOC, (nint)buffer);
    }
}
