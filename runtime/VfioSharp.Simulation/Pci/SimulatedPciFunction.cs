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
        HostDriver = driver is SimulatedPciBus.VfioPci or "" ? null : driver;
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

    /// <summary>The bound driver's name; empty while no driver is bound.</summary>
    public string Driver { get; private set; }

    /// <summary>The host driver whose ID table matches the device (the one it was plugged in with), or null (edu: none).</summary>
    public string? HostDriver { get; }

    /// <summary>pdev->driver_override: the only driver that may bind while set.</summary>
    public string? DriverOverride { get; set; }

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

    private string Sysfs => "/sys/bus/pci/devices/" + Address;

    private string GroupNumber => Group.Number.ToString(CultureInfo.InvariantCulture);

    /// <summary>Creates what Linux shows of the device in sysfs and /dev.</summary>
    public void Publish()
    {
        var fs = Kernel.FileSystem;
        fs.AddText(Sysfs + "/vendor", () => string.Create(CultureInfo.InvariantCulture, $"0x{Device.VendorId:x4}\n"));
        fs.AddText(Sysfs + "/device", () => string.Create(CultureInfo.InvariantCulture, $"0x{Device.DeviceId:x4}\n"));
        fs.AddText(Sysfs + "/class", () => string.Create(CultureInfo.InvariantCulture, $"0x{Device.ClassCode:x6}\n"));
        Kernel.PciBus.AddDevice(this);

        // A real IOMMU group exists from the device's discovery; a no-IOMMU group only while vfio-pci has the device
        // (vfio_noiommu_group_alloc at vfio-pci's probe, iommu_group_remove_device at its remove).
        if (!Group.NoIommu)
        {
            PublishGroupLinks();
        }

        if (Driver.Length > 0)
        {
            AttachDriver(Driver);
        }
    }

    /// <summary>
    /// A driver took the device (really_probe → driver_bound): the driver link both ways and, for vfio-pci,
    /// what vfio_register_group_dev makes: the group (and its node), the <c>vfio-dev/vfioN</c> class device and its cdev.
    /// </summary>
    public void AttachDriver(string driver)
    {
        var fs = Kernel.FileSystem;
        Driver = driver;
        fs.AddLink(Sysfs + "/driver", "../../../bus/pci/drivers/" + driver);
        fs.AddLink("/sys/bus/pci/drivers/" + driver + "/" + Address, "../../../../devices/pci0000:00/" + Address);
        if (!BoundToVfio)
        {
            return;
        }

        if (Group.NoIommu && Group.Published)
        {
            PublishGroupLinks();
        }

        if (CdevName is { } cdev)
        {
            fs.AddDirectory(Sysfs + "/vfio-dev/" + cdev);
            // vfio_device_fops_cdev_open: a no-IOMMU device's cdev (7.x) needs CAP_SYS_RAWIO, as its group does; the
            // real-kernel suite saw EPERM on the built 7.3.4 (misuse table, cdev-noiommu-node).
            fs.AddDeviceNode("/dev/vfio/devices/" + cdev, () => new CdevDeviceFile(Kernel, this), () => Group.NoIommu && !Kernel.Options.Root ? -LinuxErrno.EPERM : 0);
        }

        Group.Publish();
    }

    /// <summary>The driver let the device go (device_driver_detach): the reverse of <see cref="AttachDriver"/>.</summary>
    public void DetachDriver()
    {
        var fs = Kernel.FileSystem;
        var wasVfio = BoundToVfio;
        fs.Remove(Sysfs + "/driver");
        fs.Remove("/sys/bus/pci/drivers/" + Driver + "/" + Address);
        Driver = string.Empty;
        if (!wasVfio)
        {
            return;
        }

        fs.Remove(Sysfs + "/vfio-dev");
        if (CdevName is { } cdev)
        {
            fs.Remove("/dev/vfio/devices/" + cdev);
        }

        if (Group.NoIommu)
        {
            fs.Remove(Sysfs + "/iommu_group");
            fs.Remove("/sys/kernel/iommu_groups/" + GroupNumber + "/devices/" + Address);
        }

        Group.Publish();
    }

    private void PublishGroupLinks()
    {
        var fs = Kernel.FileSystem;
        fs.AddLink(Sysfs + "/iommu_group", "../../../kernel/iommu_groups/" + GroupNumber);
        fs.AddLink("/sys/kernel/iommu_groups/" + GroupNumber + "/devices/" + Address, "../../../../devices/pci0000:00/" + Address);
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
