using VfioSharp.Kernel;
using VfioSharp.Simulation.Tests.Pci;
using VfioSharp.Uapi;

namespace VfioSharp.Simulation.Tests.MisuseTable;

/// <summary>
/// One scenario per misuse-table row of the vfio-pci device fd (object <c>device</c>, mode <c>any</c>): each opens
/// edu through its group on a fresh simulated 6.17 machine (<see cref="EduMachine"/>), commits the misuse and
/// returns what the kernel answered, or <see cref="GroupContainerMisuseScenarios.WrongReply"/> when the answer was
/// right but what came back with it was not.
/// </summary>
public static unsafe class DeviceMisuseScenarios
{
    private const uint EventFdTrigger = vfio.VFIO_IRQ_SET_DATA_EVENTFD | vfio.VFIO_IRQ_SET_ACTION_TRIGGER;
    private const long WrongReply = GroupContainerMisuseScenarios.WrongReply;

    /// <summary>The scenarios by row id.</summary>
    public static IReadOnlyDictionary<string, Func<long>> All { get; } = new Dictionary<string, Func<long>>(StringComparer.Ordinal)
    {
        ["device-get-info-argsz-small"] = () => On(m =>
        {
            var info = new vfio_device_info { argsz = 15 };
            return m.Device.TryVFIO_DEVICE_GET_INFO(ref info, setSize: false);
        }),
        ["device-region-info-argsz-small"] = () => On(m => { _ = m.RegionInfo(0, out var r, argsz: 31); return r; }),
        ["device-region-info-bad-index"] = () => On(m => { _ = m.RegionInfo(9, out var r); return r; }),
        ["device-region-info-vga-absent"] = () => On(m => { _ = m.RegionInfo(vfio.VFIO_PCI_VGA_REGION_INDEX, out var r); return r; }),
        ["device-region-info-empty-bar"] = () => On(m =>
        {
            var info = m.RegionInfo(1, out var result);
            var rom = m.RegionInfo(vfio.VFIO_PCI_ROM_REGION_INDEX, out var romResult);
            var absent = info is { size: 0, flags: 0, offset: 1UL << 40 } && rom is { size: 0, flags: 0 } && romResult == 0;
            return absent ? result : WrongReply;
        }),
        ["device-irq-info-bad-index"] = () => On(m =>
        {
            var info = new vfio_irq_info { argsz = 16, index = 5 };
            var small = new vfio_irq_info { argsz = 15, index = 0 };
            var badIndex = m.Device.TryVFIO_DEVICE_GET_IRQ_INFO(ref info, setSize: false);
            return badIndex == m.Device.TryVFIO_DEVICE_GET_IRQ_INFO(ref small, setSize: false) ? badIndex : WrongReply;
        }),
        ["device-irq-info-err-non-pcie"] = () => On(m =>
        {
            var info = new vfio_irq_info { argsz = 16, index = vfio.VFIO_PCI_ERR_IRQ_INDEX };
            return m.Device.TryVFIO_DEVICE_GET_IRQ_INFO(ref info);
        }),
        ["device-irq-info-msix-absent"] = () => On(m =>
        {
            var info = new vfio_irq_info { argsz = 16, index = vfio.VFIO_PCI_MSIX_IRQ_INDEX };
            var result = m.Device.TryVFIO_DEVICE_GET_IRQ_INFO(ref info);
            return info.count == 0 ? result : WrongReply;
        }),
        ["device-set-irqs-header"] = () => On(m =>
        {
            var shortHeader = m.SetIrqs(vfio.VFIO_IRQ_SET_DATA_NONE | vfio.VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, 1, argsz: 19);
            var badIndex = m.SetIrqs(vfio.VFIO_IRQ_SET_DATA_NONE | vfio.VFIO_IRQ_SET_ACTION_TRIGGER, 5, 0, 1);
            var badFlags = m.SetIrqs(0x40 | vfio.VFIO_IRQ_SET_DATA_NONE | vfio.VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, 1);
            var wraps = m.SetIrqs(vfio.VFIO_IRQ_SET_DATA_NONE | vfio.VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1, uint.MaxValue - 1);
            return shortHeader == badIndex && badIndex == badFlags && badFlags == wraps ? shortHeader : WrongReply;
        }),
        ["device-set-irqs-out-of-range"] = () => On(m => m.Trigger(vfio.VFIO_PCI_MSI_IRQ_INDEX, m.EventFd(), m.EventFd())),
        ["device-set-irqs-two-data-types"] = () => On(m =>
        {
            var two = m.SetIrqs(vfio.VFIO_IRQ_SET_DATA_NONE | vfio.VFIO_IRQ_SET_DATA_BOOL | vfio.VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, 1, [1]);
            var none = m.SetIrqs(vfio.VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, 1);
            return two == none ? two : WrongReply;
        }),
        ["device-set-irqs-data-short"] = () => On(m => m.SetIrqs(EventFdTrigger, vfio.VFIO_PCI_MSI_IRQ_INDEX, 0, 1, [0, 0, 0, 0], argsz: 23)),
        ["device-set-irqs-action-count"] = () => On(m =>
        {
            var two = m.SetIrqs(vfio.VFIO_IRQ_SET_DATA_NONE | vfio.VFIO_IRQ_SET_ACTION_MASK | vfio.VFIO_IRQ_SET_ACTION_UNMASK, 0, 0, 1);
            var none = m.SetIrqs(vfio.VFIO_IRQ_SET_DATA_NONE, 0, 0, 1);
            return two == none ? two : WrongReply;
        }),
        ["device-set-irqs-msi-mask"] = () => On(m => m.SetIrqs(vfio.VFIO_IRQ_SET_DATA_NONE | vfio.VFIO_IRQ_SET_ACTION_MASK, vfio.VFIO_PCI_MSI_IRQ_INDEX, 0, 1)),
        ["device-set-irqs-intx-mask-eventfd"] = () => On(m =>
        {
            // The handler checks that INTx is enabled before it looks at the data type (EINVAL otherwise).
            if (m.Trigger(vfio.VFIO_PCI_INTX_IRQ_INDEX, m.EventFd()) != 0)
            {
                return WrongReply;
            }

            return m.SetIrqs(vfio.VFIO_IRQ_SET_DATA_EVENTFD | vfio.VFIO_IRQ_SET_ACTION_MASK, 0, 0, 1, BitConverter.GetBytes(m.EventFd()));
        }),
        ["device-set-irqs-intx-unmask-not-enabled"] = () => On(m =>
        {
            var unmask = m.SetIrqs(vfio.VFIO_IRQ_SET_DATA_NONE | vfio.VFIO_IRQ_SET_ACTION_UNMASK, 0, 0, 1);
            var mask = m.SetIrqs(vfio.VFIO_IRQ_SET_DATA_NONE | vfio.VFIO_IRQ_SET_ACTION_MASK, 0, 0, 1);
            return unmask == mask ? unmask : WrongReply;
        }),
        ["device-set-irqs-msi-while-intx"] = () => On(m =>
            m.Trigger(vfio.VFIO_PCI_INTX_IRQ_INDEX, m.EventFd()) != 0 ? WrongReply : m.Trigger(vfio.VFIO_PCI_MSI_IRQ_INDEX, m.EventFd())),
        ["device-set-irqs-bad-eventfd"] = () => On(m =>
        {
            var notOpen = m.Trigger(vfio.VFIO_PCI_MSI_IRQ_INDEX, 99);

            // An open fd that is not an eventfd is EINVAL (eventfd_ctx_fileget), and a failed enable leaves MSI off.
            var notEventFd = m.Trigger(vfio.VFIO_PCI_MSI_IRQ_INDEX, m.Fd);
            var intxStillPossible = m.Trigger(vfio.VFIO_PCI_INTX_IRQ_INDEX, m.EventFd());
            return notEventFd == -22 && intxStillPossible == 0 ? notOpen : WrongReply;
        }),
        ["device-set-irqs-err-non-pcie"] = () => On(m => m.Trigger(vfio.VFIO_PCI_ERR_IRQ_INDEX, m.EventFd())),
        ["device-set-irqs-req-disable-unset"] = () => On(m => m.SetIrqs(vfio.VFIO_IRQ_SET_DATA_NONE | vfio.VFIO_IRQ_SET_ACTION_TRIGGER, vfio.VFIO_PCI_REQ_IRQ_INDEX, 0, 0)),
        ["device-reset-unsupported"] = () => On(m => m.Device.TryVFIO_DEVICE_RESET()),
        ["device-hot-reset-info-root-bus"] = () => On(m =>
        {
            var info = new vfio_pci_hot_reset_info { argsz = 12 };
            return m.Device.TryVFIO_DEVICE_GET_PCI_HOT_RESET_INFO(ref info, setSize: false);
        }),
        ["device-unknown-ioctl"] = () => On(m =>
        {
            var attach = new vfio_device_attach_iommufd_pt { argsz = 12, pt_id = 1 };
            var unknown = m.Kernel.Ioctl(m.Fd, 0x3Bff, (nint)(&attach));
            return unknown == m.Kernel.Ioctl(m.Fd, vfio.VFIO_DEVICE_ATTACH_IOMMUFD_PT, (nint)(&attach)) ? unknown : WrongReply;
        }),
        ["device-read-past-bar"] = () => On(m =>
        {
            Span<byte> value = stackalloc byte[4];
            var read = m.Kernel.PRead(m.Fd, value, 1 << 20);
            return read == m.Kernel.PWrite(m.Fd, value, 1 << 20) ? read : WrongReply;
        }),
        ["device-read-straddling-bar-end"] = () => On(m =>
        {
            Span<byte> value = stackalloc byte[8];
            var read = m.Kernel.PRead(m.Fd, value, (1 << 20) - 4);
            return read == 4 ? 0 : WrongReply;
        }),
        ["device-read-absent-bar"] = () => On(m =>
        {
            Span<byte> value = stackalloc byte[4];
            var bar1 = m.Kernel.PRead(m.Fd, value, 1L << 40);
            return bar1 == m.Kernel.PRead(m.Fd, value, EduMachine.Rom) ? bar1 : WrongReply;
        }),
        ["device-read-bad-region-index"] = () => On(m =>
        {
            Span<byte> value = stackalloc byte[4];
            var past = m.Kernel.PRead(m.Fd, value, 9L << 40);
            return past == m.Kernel.PRead(m.Fd, value, EduMachine.Vga) ? past : WrongReply;
        }),
        ["device-write-rom"] = () => On(m => m.Kernel.PWrite(m.Fd, [0, 0, 0, 0], EduMachine.Rom)),
        ["device-config-out-of-range"] = () => On(m =>
        {
            Span<byte> value = stackalloc byte[4];
            var straddling = m.Kernel.PRead(m.Fd, value, EduMachine.Config + 254);
            return straddling == m.Kernel.PRead(m.Fd, value, EduMachine.Config + 256) ? straddling : WrongReply;
        }),
        ["device-bar-access-memory-disabled"] = () => On(m =>
        {
            m.SetCommand(0);
            Span<byte> value = stackalloc byte[4];
            return m.Kernel.PRead(m.Fd, value, 0);
        }),
        ["device-mmap-private"] = () => On(m => m.Kernel.Mmap(0, 4096, MemoryProtection.Read | MemoryProtection.Write, MapFlags.Private, m.Fd, 0x1000)),
        ["device-mmap-past-end"] = () => On(m => m.Kernel.Mmap(0, 0x2000, MemoryProtection.Read | MemoryProtection.Write, MapFlags.Shared, m.Fd, 0xff000)),
        ["device-mmap-not-mmappable"] = () => On(m =>
        {
            var config = m.Kernel.Mmap(0, 4096, MemoryProtection.Read, MapFlags.Shared, m.Fd, EduMachine.Config);
            var bar1 = m.Kernel.Mmap(0, 4096, MemoryProtection.Read, MapFlags.Shared, m.Fd, 1L << 40);
            var rom = m.Kernel.Mmap(0, 4096, MemoryProtection.Read, MapFlags.Shared, m.Fd, EduMachine.Rom);
            return config == bar1 && bar1 == rom ? config : WrongReply;
        }),
    };

    private static long On(Func<EduMachine, long> scenario)
    {
        using var machine = new EduMachine();
        return scenario(machine);
    }
}
