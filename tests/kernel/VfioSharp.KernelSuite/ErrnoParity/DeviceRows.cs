using VfioSharp.Handles;
using VfioSharp.Kernel;
using VfioSharp.Uapi;

namespace VfioSharp.KernelSuite.ErrnoParity;

/// <summary>
/// Misuse-table rows of the vfio-pci device fd (object <c>device</c>) committed on edu through a raw group-mode
/// device fd (container, group, type1v2, GET_DEVICE_FD), returning 0 or −errno to compare with the table. They
/// mirror the simulated kernel's scenarios of the same ids (tests/VfioSharp.Simulation.Tests/MisuseTable/DeviceMisuseScenarios).
/// </summary>
internal static class DeviceRows
{
    public static IReadOnlyDictionary<string, Func<GuestEnvironment, long>> All { get; } = new Dictionary<string, Func<GuestEnvironment, long>>(StringComparer.Ordinal)
    {
        ["device-get-info-argsz-small"] = g => OnDevice(g, d =>
        {
            var info = new vfio_device_info { argsz = 15 };
            return d.TryVFIO_DEVICE_GET_INFO(ref info, setSize: false);
        }),
        ["device-region-info-bad-index"] = g => OnDevice(g, d => RegionInfo(d, 9)),
        ["device-region-info-vga-absent"] = g => OnDevice(g, d => RegionInfo(d, vfio.VFIO_PCI_VGA_REGION_INDEX)),
        ["device-irq-info-bad-index"] = g => OnDevice(g, d => IrqInfo(d, 5)),
        ["device-irq-info-err-non-pcie"] = g => OnDevice(g, d => IrqInfo(d, vfio.VFIO_PCI_ERR_IRQ_INDEX)),
        ["device-set-irqs-msi-mask"] = g => OnDevice(g, d =>
        {
            var set = new vfio_irq_set { flags = vfio.VFIO_IRQ_SET_DATA_NONE | vfio.VFIO_IRQ_SET_ACTION_MASK, index = vfio.VFIO_PCI_MSI_IRQ_INDEX, count = 1 };
            return d.TryVFIO_DEVICE_SET_IRQS(ref set);
        }),
        ["device-reset-unsupported"] = g => OnDevice(g, d => d.TryVFIO_DEVICE_RESET()),
        ["device-read-past-bar"] = g => OnDevice(g, d =>
        {
            Span<byte> bytes = stackalloc byte[4];
            var result = LinuxKernel.Instance.PRead(d.DangerousGetFd(), bytes, 0x10_0000);
            return result < 0 ? result : 0;
        }),
    };

    private static long RegionInfo(DeviceHandle device, uint index)
    {
        var info = new vfio_region_info { index = index };
        return device.TryVFIO_DEVICE_GET_REGION_INFO(ref info);
    }

    private static long IrqInfo(DeviceHandle device, uint index)
    {
        var info = new vfio_irq_info { index = index };
        return device.TryVFIO_DEVICE_GET_IRQ_INFO(ref info);
    }

    private static long OnDevice(GuestEnvironment guest, Func<DeviceHandle, long> misuse) => GroupRows.Joined(guest, true, (_, group) =>
    {
        var result = group.TryVFIO_GROUP_GET_DEVICE_FD(guest.Device.ToString(), out var device);
        if (result < 0 || device is null)
        {
            throw new InvalidOperationException($"setting up the row's state: VFIO_GROUP_GET_DEVICE_FD gave {Errno.FromResult(result)}");
        }

        using (device)
        {
            return misuse(device);
        }
    });
}
