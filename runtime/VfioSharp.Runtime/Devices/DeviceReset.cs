using VfioSharp.Uapi;

namespace VfioSharp.Devices;

/// <summary>
/// VFIO_DEVICE_RESET (<see cref="VfioDevice.Reset"/>): only for a device whose VFIO_DEVICE_GET_INFO has
/// VFIO_DEVICE_FLAGS_RESET. vfio-pci decides that when the device is opened (vfio_pci_core_enable: a function-level,
/// PM or bus reset that works without affecting other devices) and answers EINVAL otherwise
/// (vfio_pci_ioctl_reset); the runtime refuses before asking, with the reason, as QEMU's vfio_pci_reset does.
/// </summary>
/// <remarks>
/// The kernel keeps the device's mappings valid across a reset (it zaps them and faults them in again) and restores
/// the saved config space, bus mastering included; the device's own registers start over and an enabled
/// interrupt index stays routed, so a driver re-initializes the device after a reset, not its VFIO setup.
/// </remarks>
internal static class DeviceReset
{
    /// <summary>Resets the device or says why it can't.</summary>
    /// <exception cref="VfioException">The device has no reset (no errno: the kernel was not asked), or the kernel refused.</exception>
    public static void Reset(VfioDevice device)
    {
        lock (device.Lifecycle.Gate)
        {
            device.Lifecycle.Require(nameof(VfioDevice.Reset));
            if (!device.GetInfo().CanReset)
            {
                throw new VfioException(
                    $"resetting {device}",
                    advice: "the device does not support reset (VFIO_DEVICE_GET_INFO has no VFIO_DEVICE_FLAGS_RESET: it has no function-level or PM reset, and no bus or slot reset affects it alone); re-initialize it through its registers instead");
            }

            var result = device.Handle.TryVFIO_DEVICE_RESET();
            if (result < 0)
            {
                throw VfioException.From(result, $"resetting {device}", result == -16 ? "EBUSY: another user holds a device that the reset would affect" : null);
            }
        }
    }
}
