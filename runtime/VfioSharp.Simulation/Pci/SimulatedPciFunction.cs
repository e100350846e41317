using System.Globalization;
using VfioSharp.Simulation.Cdev;
using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.Groups;
using VfioSharp.Simulation.Memory;

namespace VfioSharp.Simulation.Pci;

/// <summary>
/// A device plugged into the simulated machine: its PCI address, IOMMU group, the vfio-pci state shared by
/// every fd that opens it (interrupt configuration), and what its DMA goes through.
/// </summary>
internal sealed class SimulatedPciFunction
{
    private VfioPciConfig? _virtualConfig;

    public SimulatedPciFunction(SimulatedKernel kernel, SimulatedPciDevice device, string address, int groupNumber, string driver, int index)
    {
        Kernel = kernel;
        Device = device;
        Address = address;
        Driver = driver;
        CdevIndex = index;
        Dma = new DmaWindow(kernel, address);
        Interrupts = new VfioPciInterrupts(kernel, device);
        device.Dma = Dma;
        device.IntxLine = Interrupts.OnIntxLine;
        device.MsiMessage = Interrupts.OnMsi;
        device.Scheduler = RunLater;
        Group = SimulatedIommuGroup.For(kernel, groupNumber, noIommu: !kernel.Options.Iommu);
        Group.Functions.Add(this);
    }

    public SimulatedKernel Kernel { get; }

    public SimulatedPciDevice Device { get; }

    public string Address { get; }

    public string Driver { get; set; }

    public int CdevIndex { get; }

    public DmaWindow Dma { get; }

    public VfioPciInterrupts Interrupts { get; }

    /// <summary>vfio-pci's virtual config space, built when the device is first opened (vfio_config_init) and dropped on its last close.</summary>
    public VfioPciConfig VirtualConfig => _virtualConfig ??= new VfioPciConfig(Device, Interrupts);

    public SimulatedIommuGroup Group { get; }

    /// <summary>Device fds open on this function (through its group or its cdev).</summary>
    public int OpenDeviceFiles { get; set; }

    /// <summary>The cdev fd bound to an iommufd, if one is.</summary>
    public CdevBinding? BoundCdev { get; set; }

    /// <summary>Whether the device's vfio-pci driver exposes it (bound to vfio-pci).</summary>
    public bool BoundToVfio => Driver == "vfio-pci";

    /// <summary>The cdev node's name, or null where the profile or mode has none.</summary>
    public string? CdevName => !Kernel.Options.HasIommufd ? null
        : Kernel.Options.Iommu ? $"vfio{CdevIndex}"
        : Kernel.Options.NoIommuEnabled && Kernel.Options.Profile == SimulatedKernelProfile.Linux7 ? $"noiommu-vfio{CdevIndex}"
        : null;

    /// <summary>Creates what Linux shows of the device in sysfs and /dev.</summary>
    public void Publish()
    {
        var fs = Kernel.FileSystem;
        var sysfs = "/sys/bus/pci/devices/" + Address;
        fs.AddText(sysfs + "/vendor", () => string.Create(CultureInfo.InvariantCulture, $"0x{Device.VendorId:x4}\n"));
        fs.AddText(sysfs + "/device", () => string.Create(CultureInfo.InvariantCulture, $"0x{Device.DeviceId:x4}\n"));
        fs.AddText(sysfs + "/class", () => string.Create(CultureInfo.InvariantCulture, $"0x{Device.ClassCode:x6}\n"));
        fs.AddText(sysfs + "/driver_override", () => "(null)\n", _ => { });
        fs.AddLink(sysfs + "/driver", "../../../bus/pci/drivers/" + Driver);
        if (Group.Published)
        {
            fs.AddLink(sysfs + "/iommu_group", "../../../kernel/iommu_groups/" + Group.Number.ToString(CultureInfo.InvariantCulture));
            fs.AddLink("/sys/kernel/iommu_groups/" + Group.Number.ToString(CultureInfo.InvariantCulture) + "/devices/" + Address, "../../../../devices/pci0000:00/" + Address);
        }

        if (BoundToVfio && CdevName is { } cdev)
        {
            fs.AddDirectory(sysfs + "/vfio-dev/" + cdev);
            // vfio_device_fops_cdev_open: a no-IOMMU device's cdev (7.x) needs CAP_SYS_RAWIO, as its group does; the
            // real-kernel suite saw EPERM on the built 7.3.4 (misuse table, cdev-noiommu-node).
            fs.AddDeviceNode("/dev/vfio/devices/" + cdev, () => new CdevDeviceFile(Kernel, this), () => Group.NoIommu && !Kernel.Options.Root ? -LinuxErrno.EPERM : 0);
        }

        Group.Publish();
    }

    /// <summary>
    /// The last device fd closed: vfio-pci's close_device (vfio_pci_core_disable) turns interrupts off, clears
    /// bus mastering and restores the config space it saved at open. It resets the function only where it
    /// can (edu: no reset, so the device's registers keep their values).
    /// </summary>
    public void LastClose()
    {
        Interrupts.DisableAll();
        Device.RestoreAfterClose();
        if (Device.SupportsReset)
        {
            Device.ResetFunction();
        }

        _virtualConfig = null;
    }

    /// <summary>Runs a device's deferred work (a timer in QEMU) under the kernel's lock, then wakes waiters.</summary>
    private void RunLater(TimeSpan delay, Action action)
        => _ = Task.Delay(delay).ContinueWith(
            _ =>
            {
                lock (Kernel.Gate)
                {
                    action();
                    Kernel.Wake();
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.None,
            TaskScheduler.Default);
}
