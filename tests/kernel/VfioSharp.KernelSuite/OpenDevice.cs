using VfioSharp.Containers;
using VfioSharp.Devices;
using VfioSharp.Kernel;
using VfioSharp.Modes;

namespace VfioSharp.KernelSuite;

/// <summary>
/// edu opened through the runtime in the guest's mode, with bus mastering on (edu's DMA and its MSI are memory
/// writes by the device, which QEMU drops without it). Each scenario opens its own, so a failure does not carry
/// over and every scenario also exercises the teardown.
/// </summary>
internal sealed class OpenDevice : IDisposable
{
    private OpenDevice(Vfio vfio, VfioDevice device)
    {
        Vfio = vfio;
        Device = device;
    }

    /// <summary>The runtime's handle on the kernel's VFIO.</summary>
    public Vfio Vfio { get; }

    /// <summary>edu.</summary>
    public VfioDevice Device { get; }

    /// <summary>The container (group modes) or IOAS (cdev modes) the device is in.</summary>
    public VfioContainer Container => Vfio.DefaultContainer;

    /// <summary>Opens the device in the guest's mode (no-IOMMU modes opted into).</summary>
    public static OpenDevice Open(GuestEnvironment guest)
    {
        var vfio = Vfio.Open(LinuxKernel.Instance, new VfioOptions { Mode = guest.Mode, AllowNoIommu = !guest.HasIommu });
        try
        {
            var device = vfio.OpenDevice(guest.Device);
            device.EnableBusMaster();
            return new OpenDevice(vfio, device);
        }
        catch
        {
            vfio.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Device.Dispose();
        Vfio.Dispose();
    }
}
