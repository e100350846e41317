using VfioSharp.Kernel;
using VfioSharp.Uapi;

namespace VfioSharp.KernelSuite.ErrnoParity;

/// <summary>
/// Misuse-table rows of the vfio-pci device fd (object <c>device</c>, mode <c>any</c>) committed on edu's device
/// fd opened in the boot's mode (<see cref="EduMachine"/>: through the group, or the bound cdev), returning 0 or
/// −errno; every boot replays them. They are the simulated kernel's
/// scenarios of the same ids (tests/VfioSharp.Simulation.Tests/MisuseTable/DeviceMisuseScenarios) on the real kernel.
/// </summary>
internal static unsafe class DeviceRows
{
    private const uint EventFdTrigger = vfio.VFIO_IRQ_SET_DATA_EVENTFD | vfio.VFIO_IRQ_SET_ACTION_TRIGGER;
    private const uint NoneTrigger = vfio.VFIO_IRQ_SET_DATA_NONE | vfio.VFIO_IRQ_SET_ACTION_TRIGGER;

    public static IReadOnlyDictionary<string, Func<GuestEnvironment, long>> All { get; } = new Dictionary<string, Func<GuestEnvironment, long>>(StringComparer.Ordinal)
    {
        ["device-get-info-argsz-small"] = g => On(g, m =>
        {
            var info = new vfio_device_info { argsz = 15 };
            return m.Device.TryVFIO_DEVICE_GET_INFO(ref info, setSize: false);
        }),
        ["device-region-info-argsz-small"] = g => On(g, m => { _ = m.RegionInfo(0, out var r, argsz: 31); return r; }),
        ["device-region-info-bad-index"] = g => On(g, m => { _ = m.RegionInfo(9, out var r); return r; }),
        ["device-region-info-vga-absent"] = g => On(g, m => { _ = m.RegionInfo(vfio.VFIO_PCI_VGA_REGION_INDEX, out var r); return r; }),
        ["device-region-info-empty-bar"] = g => On(g, m =>
        {
            var info = m.RegionInfo(1, out var result);
            var rom = m.RegionInfo(vfio.VFIO_PCI_ROM_REGION_INDEX, out var romResult);
            var answer = Reply.Same(("BAR1", result), ("ROM", romResult));
            return Reply.With(answer, info is { size: 0, flags: 0, offset: 1UL << 40 } && rom is { size: 0, flags: 0 }, $"BAR1 size {info.size:x} flags {info.flags:x} offset {info.offset:x}, ROM size {rom.size:x} flags {rom.flags:x}");
        }),
        ["device-irq-info-bad-index"] = g => On(g, m =>
        {
            var info = new vfio_irq_info { argsz = 16, index = 5 };
            var small = new vfio_irq_info { argsz = 15, index = 0 };
            return Reply.Same(("index 5", m.Device.TryVFIO_DEVICE_GET_IRQ_INFO(ref info, setSize: false)), ("argsz 15", m.Device.TryVFIO_DEVICE_GET_IRQ_INFO(ref small, setSize: false)));
        }),
        ["device-irq-info-err-non-pcie"] = g => On(g, m =>
        {
            var info = new vfio_irq_info { index = vfio.VFIO_PCI_ERR_IRQ_INDEX };
            return m.Device.TryVFIO_DEVICE_GET_IRQ_INFO(ref info);
        }),
        ["device-irq-info-msix-absent"] = g => On(g, m =>
        {
            var info = new vfio_irq_info { index = vfio.VFIO_PCI_MSIX_IRQ_INDEX };
            var result = m.Device.TryVFIO_DEVICE_GET_IRQ_INFO(ref info);
            return Reply.With(result, info.count == 0, $"count {info.count} came back");
        }),
        ["device-set-irqs-header"] = g => On(g, m => Reply.Same(
            ("argsz 19", m.SetIrqs(NoneTrigger, 0, 0, 1, argsz: 19)),
            ("index 5", m.SetIrqs(NoneTrigger, 5, 0, 1)),
            ("unknown flag", m.SetIrqs(0x40 | NoneTrigger, 0, 0, 1)),
            ("start + count wraps", m.SetIrqs(NoneTrigger, 0, 1, uint.MaxValue - 1)))),
        ["device-set-irqs-out-of-range"] = g => On(g, m => m.Trigger(vfio.VFIO_PCI_MSI_IRQ_INDEX, m.EventFd(), m.EventFd())),
        ["device-set-irqs-two-data-types"] = g => On(g, m => Reply.Same(
            ("NONE|BOOL", m.SetIrqs(vfio.VFIO_IRQ_SET_DATA_NONE | vfio.VFIO_IRQ_SET_DATA_BOOL | vfio.VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, 1, [1])),
            ("no data type", m.SetIrqs(vfio.VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, 1)))),
        ["device-set-irqs-data-short"] = g => On(g, m => m.SetIrqs(EventFdTrigger, vfio.VFIO_PCI_MSI_IRQ_INDEX, 0, 1, [0, 0, 0, 0], argsz: 23)),
        ["device-set-irqs-action-count"] = g => On(g, m => Reply.Same(
            ("MASK|UNMASK", m.SetIrqs(vfio.VFIO_IRQ_SET_DATA_NONE | vfio.VFIO_IRQ_SET_ACTION_MASK | vfio.VFIO_IRQ_SET_ACTION_UNMASK, 0, 0, 1)),
            ("no action", m.SetIrqs(vfio.VFIO_IRQ_SET_DATA_NONE, 0, 0, 1)))),
        ["device-set-irqs-msi-mask"] = g => On(g, m => m.SetIrqs(vfio.VFIO_IRQ_SET_DATA_NONE | vfio.VFIO_IRQ_SET_ACTION_MASK, vfio.VFIO_PCI_MSI_IRQ_INDEX, 0, 1)),
        ["device-set-irqs-intx-mask-eventfd"] = g => On(g, m =>
        {
            // The handler checks that INTx is enabled before it looks at the data type (EINVAL otherwise).
            Reply.Require(m.Trigger(vfio.VFIO_PCI_INTX_IRQ_INDEX, m.EventFd()), "enabling INTx");
            return m.SetIrqs(vfio.VFIO_IRQ_SET_DATA_EVENTFD | vfio.VFIO_IRQ_SET_ACTION_MASK, 0, 0, 1, BitConverter.GetBytes(m.EventFd()));
        }),
        ["device-set-irqs-intx-unmask-not-enabled"] = g => On(g, m => Reply.Same(
            ("UNMASK", m.SetIrqs(vfio.VFIO_IRQ_SET_DATA_NONE | vfio.VFIO_IRQ_SET_ACTION_UNMASK, 0, 0, 1)),
            ("MASK", m.SetIrqs(vfio.VFIO_IRQ_SET_DATA_NONE | vfio.VFIO_IRQ_SET_ACTION_MASK, 0, 0, 1)))),
        ["device-set-irqs-msi-while-intx"] = g => On(g, m =>
        {
            Reply.Require(m.Trigger(vfio.VFIO_PCI_INTX_IRQ_INDEX, m.EventFd()), "enabling INTx");
            return m.Trigger(vfio.VFIO_PCI_MSI_IRQ_INDEX, m.EventFd());
        }),
        ["device-set-irqs-bad-eventfd"] = g => On(g, m =>
        {
            var notOpen = m.Trigger(vfio.VFIO_PCI_MSI_IRQ_INDEX, 999);

            // An open fd that is not an eventfd is EINVAL (eventfd_ctx_fileget), and a failed enable leaves MSI off.
            var notEventFd = m.Trigger(vfio.VFIO_PCI_MSI_IRQ_INDEX, m.Fd);
            var intxStillPossible = m.Trigger(vfio.VFIO_PCI_INTX_IRQ_INDEX, m.EventFd());
            return Reply.With(notOpen, notEventFd == -Errno.EINVAL.Value && intxStillPossible == 0, $"the device fd as eventfd gave {Reply.Name(notEventFd)} (EINVAL expected), INTx afterwards {Reply.Name(intxStillPossible)}");
        }),
        ["device-set-irqs-err-non-pcie"] = g => On(g, m => m.Trigger(vfio.VFIO_PCI_ERR_IRQ_INDEX, m.EventFd())),
        ["device-set-irqs-req-disable-unset"] = g => On(g, m => m.SetIrqs(NoneTrigger, vfio.VFIO_PCI_REQ_IRQ_INDEX, 0, 0)),
        ["device-reset-unsupported"] = g => On(g, m => m.Device.TryVFIO_DEVICE_RESET()),
        ["device-hot-reset-info-root-bus"] = g => On(g, m =>
        {
            var info = new vfio_pci_hot_reset_info { argsz = 12 };
            return m.Device.TryVFIO_DEVICE_GET_PCI_HOT_RESET_INFO(ref info, setSize: false);
        }),
        ["device-unknown-ioctl"] = g => On(g, m =>
        {
            var attach = new vfio_device_attach_iommufd_pt { argsz = 12, pt_id = 1 };
            // SAFETY: attach lives on this frame for the calls.
            var unknown = EduMachine.Kernel.Ioctl(m.Fd, 0x3Bff, (nint)(&attach));

            // On a bound cdev ATTACH_IOMMUFD_PT is a real call (cdev rows); only a group-obtained fd passes it to vfio-pci.
            return m.FromGroup
                ? Reply.Same(("an unknown number", unknown), ("ATTACH_IOMMUFD_PT on a group-obtained fd", EduMachine.Kernel.Ioctl(m.Fd, vfio.VFIO_DEVICE_ATTACH_IOMMUFD_PT, (nint)(&attach))))
                : unknown;
        }),
        ["device-read-past-bar"] = g => On(g, m =>
        {
            Span<byte> value = stackalloc byte[4];
            return Reply.Same(("pread", EduMachine.Kernel.PRead(m.Fd, value, 1 << 20)), ("pwrite", EduMachine.Kernel.PWrite(m.Fd, value, 1 << 20)));
        }),
        ["device-read-straddling-bar-end"] = g => On(g, m =>
        {
            Span<byte> value = stackalloc byte[8];
            var read = EduMachine.Kernel.PRead(m.Fd, value, (1 << 20) - 4);
            return read < 0 ? read : Reply.With(0, read == 4, $"{read} bytes read, not 4");
        }),
        ["device-read-absent-bar"] = g => On(g, m =>
        {
            Span<byte> value = stackalloc byte[4];
            return Reply.Same(("BAR1", EduMachine.Kernel.PRead(m.Fd, value, 1L << 40)), ("ROM", EduMachine.Kernel.PRead(m.Fd, value, EduMachine.Rom)));
        }),
        ["device-read-bad-region-index"] = g => On(g, m =>
        {
            Span<byte> value = stackalloc byte[4];
            return Reply.Same(("index 9", EduMachine.Kernel.PRead(m.Fd, value, 9L << 40)), ("VGA", EduMachine.Kernel.PRead(m.Fd, value, EduMachine.Vga)));
        }),
        ["device-write-rom"] = g => On(g, m => EduMachine.Kernel.PWrite(m.Fd, [0, 0, 0, 0], EduMachine.Rom)),
        ["device-config-out-of-range"] = g => On(g, m =>
        {
            Span<byte> value = stackalloc byte[4];
            return Reply.Same(("straddling 256", EduMachine.Kernel.PRead(m.Fd, value, EduMachine.Config + 254)), ("at 256", EduMachine.Kernel.PRead(m.Fd, value, EduMachine.Config + 256)));
        }),
        ["device-bar-access-memory-disabled"] = g => On(g, m =>
        {
            var command = m.Command();
            m.SetCommand(0);
            Span<byte> value = stackalloc byte[4];
            var result = EduMachine.Kernel.PRead(m.Fd, value, 0);
            m.SetCommand(command);
            return result;
        }),
        ["device-mmap-private"] = g => On(g, m => m.MapAndUnmap(4096, MapFlags.Private, 0x1000)),
        ["device-mmap-past-end"] = g => On(g, m => m.MapAndUnmap(0x2000, MapFlags.Shared, 0xff000)),
        ["device-mmap-not-mmappable"] = g => On(g, m => Reply.Same(
            ("config", m.MapAndUnmap(4096, MapFlags.Shared, EduMachine.Config, MemoryProtection.Read)),
            ("BAR1", m.MapAndUnmap(4096, MapFlags.Shared, 1L << 40, MemoryProtection.Read)),
            ("ROM", m.MapAndUnmap(4096, MapFlags.Shared, EduMachine.Rom, MemoryProtection.Read)))),
    };

    private static long On(GuestEnvironment guest, Func<EduMachine, long> misuse)
    {
        using var machine = new EduMachine(guest);
        return misuse(machine);
    }
}
