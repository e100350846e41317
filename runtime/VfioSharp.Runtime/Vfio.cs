using System.Globalization;
using VfioSharp.Containers;
using VfioSharp.Devices;
using VfioSharp.Groups;
using VfioSharp.Kernel;
using VfioSharp.Modes;
using VfioSharp.Pci;

namespace VfioSharp;

/// <summary>
/// The entry point: finds what the kernel offers, chooses the mode (as DPDK after its cdev series: cdev when
/// <c>/dev/iommu</c> and device cdevs exist, else group; the no-IOMMU modes only when asked for), and does the
/// whole VFIO dance for a device. Dispose releases devices, then groups, then containers: an order that never
/// meets EBUSY.
/// </summary>
public sealed class Vfio : IDisposable
{
    private const string NoIommuParameter = "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode";
    private readonly Lock _gate = new();
    private readonly List<VfioDevice> _devices = [];
    private readonly List<VfioGroup> _groups = [];
    private readonly List<VfioContainer> _containers = [];
    private VfioContainer? _default;

    private Vfio(IKernel kernel, VfioMode mode, VfioFeatures features)
    {
        Kernel = kernel;
        Mode = mode;
        Features = features;
    }

    /// <summary>The kernel every call goes to.</summary>
    public IKernel Kernel { get; }

    /// <summary>The mode in use.</summary>
    public VfioMode Mode { get; }

    /// <summary>What the kernel offers.</summary>
    public VfioFeatures Features { get; }

    /// <summary>The default container, made on first use (group modes: it becomes Ready when the first group joins).</summary>
    public VfioContainer DefaultContainer
    {
        get
        {
            lock (_gate)
            {
                return _default ??= Track(new VfioContainer(this, isDefault: true));
            }
        }
    }

    /// <summary>Finds what the kernel offers and chooses the mode.</summary>
    /// <param name="kernel">The kernel (<see cref="LinuxKernel"/>, or a simulated one).</param>
    /// <param name="options">Mode choice; no-IOMMU modes need <see cref="VfioOptions.AllowNoIommu"/>.</param>
    /// <returns>The runtime.</returns>
    /// <exception cref="VfioException">No usable mode: the message says what is missing and what to change.</exception>
    public static Vfio Open(IKernel kernel, VfioOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        options ??= new VfioOptions();
        var features = Detect(kernel);
        var mode = options.Mode ?? Choose(kernel, features, options.AllowNoIommu);
        Check(kernel, features, mode, options.AllowNoIommu);
        return new Vfio(kernel, mode, features);
    }

    /// <summary>Reads sysfs for a device: driver, IOMMU group, VFIO cdev.</summary>
    /// <param name="address">The device.</param>
    /// <returns>What sysfs says.</returns>
    /// <exception cref="VfioException">No such device.</exception>
    public PciDeviceInfo GetDeviceInfo(PciAddress address)
    {
        var sysfs = "/sys/bus/pci/devices/" + address;
        if (Kernel.ReadText(sysfs + "/vendor", out _) is < 0 and var missing)
        {
            throw VfioException.From(missing, $"finding PCI device {address} in sysfs ({sysfs})");
        }

        string? driver = Kernel.ReadLink(sysfs + "/driver", out var driverLink) == 0 ? driverLink[(driverLink.LastIndexOf('/') + 1)..] : null;
        int? group = Kernel.ReadLink(sysfs + "/iommu_group", out var groupLink) == 0
            && int.TryParse(groupLink.AsSpan(groupLink.LastIndexOf('/') + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : null;
        string? cdev = Kernel.ListDirectory(sysfs + "/vfio-dev", out var entries) == 0 && entries.Count > 0 ? entries[0] : null;
        return new PciDeviceInfo(address, driver, group, cdev);
    }

    /// <summary>Creates a container of its own (DPDK's custom containers).</summary>
    /// <returns>The container.</returns>
    [Lifecycle.ReturnsState(ContainerState.Empty, ContainerState.Ready)]
    public VfioContainer CreateContainer()
    {
        lock (_gate)
        {
            return Track(new VfioContainer(this, isDefault: false));
        }
    }

    /// <summary>
    /// Sets a device up in <paramref name="container"/> (the default one when null): group modes open its group,
    /// put it in the container and get the device fd; cdev modes open the cdev, bind and attach it. Every step
    /// that succeeded is undone when a later one fails.
    /// </summary>
    /// <param name="address">The device.</param>
    /// <param name="container">The container; the default one when null.</param>
    /// <returns>The device, attached.</returns>
    /// <exception cref="VfioException">A step failed: the message names it.</exception>
    [Lifecycle.ReturnsState(DeviceState.Attached, DeviceState.Bound)]
    public VfioDevice OpenDevice(PciAddress address, VfioContainer? container = null)
    {
        container ??= DefaultContainer;
        var info = GetDeviceInfo(address);
        if (info.Driver != "vfio-pci")
        {
            throw new VfioException($"opening {address} with VFIO", advice: $"it is bound to {info.Driver ?? "no driver"}, not vfio-pci: echo vfio-pci > /sys/bus/pci/devices/{address}/driver_override, then unbind and reprobe it");
        }

        if (Mode is VfioMode.Cdev or VfioMode.NoIommuCdev)
        {
            var device = VfioDevice.OpenCdev(this, address);
            try
            {
                device.Bind(container);
                if (Mode == VfioMode.Cdev)
                {
                    device.Attach(container);
                }
            }
            catch
            {
                device.Dispose();
                throw;
            }

            lock (_gate)
            {
                _devices.Add(device);
            }

            return device;
        }

        var number = info.IommuGroup ?? throw new VfioException($"finding the IOMMU group of {address}", advice: "sysfs shows no iommu_group: enable the IOMMU (intel_iommu=on) or, at your own risk, no-IOMMU mode");
        var group = VfioGroup.Open(this, number);
        try
        {
            group.SetContainer(container);
            var device = group.OpenDevice(address);
            lock (_gate)
            {
                _groups.Add(group);
                _devices.Add(device);
            }

            return device;
        }
        catch
        {
            group.Dispose();
            throw;
        }
    }

    /// <summary>Releases every device, group and container this runtime made: devices first, containers last.</summary>
    public void Dispose()
    {
        VfioDevice[] devices;
        VfioGroup[] groups;
        VfioContainer[] containers;
        lock (_gate)
        {
            devices = [.. _devices];
            groups = [.. _groups];
            containers = [.. _containers];
        }

        foreach (var device in devices)
        {
            device.Dispose();
        }

        foreach (var group in groups)
        {
            group.Dispose();
        }

        foreach (var container in containers)
        {
            container.Dispose();
        }
    }

    /// <summary>Lists the devices of an IOMMU group with their drivers, for a "not viable" error.</summary>
    internal string DescribeGroupMembers(int number)
    {
        var path = "/sys/kernel/iommu_groups/" + number.ToString(CultureInfo.InvariantCulture) + "/devices";
        if (Kernel.ListDirectory(path, out var members) < 0)
        {
            return "(its members can't be listed)";
        }

        return string.Join(", ", members.Select(member =>
            Kernel.ReadLink("/sys/bus/pci/devices/" + member + "/driver", out var link) == 0 ? $"{member} ({link[(link.LastIndexOf('/') + 1)..]})" : $"{member} (no driver)"));
    }

    internal void Forget(object item)
    {
        lock (_gate)
        {
            switch (item)
            {
                case VfioDevice device:
                    _devices.Remove(device);
                    break;
                case VfioGroup group:
                    _groups.Remove(group);
                    break;
                case VfioContainer container:
                    _containers.Remove(container);
                    if (ReferenceEquals(_default, container))
                    {
                        _default = null;
                    }

                    break;
            }
        }
    }

    private static VfioFeatures Detect(IKernel kernel)
    {
        var dev = kernel.ListDirectory("/dev", out var devEntries) == 0 ? devEntries : [];
        var vfioDir = kernel.ListDirectory("/dev/vfio", out var vfioEntries) == 0 ? vfioEntries : [];
        var noIommu = kernel.ReadText(NoIommuParameter, out var parameter) == 0 && parameter.Trim() is "Y" or "1";
        return new VfioFeatures(vfioDir.Contains("vfio"), dev.Contains("iommu"), vfioDir.Contains("devices"), noIommu);
    }

    private static VfioMode Choose(IKernel kernel, VfioFeatures features, bool allowNoIommu)
    {
        var vfioEntries = kernel.ListDirectory("/dev/vfio", out var entries) == 0 ? entries : [];
        var cdevs = features.DeviceCdevs && kernel.ListDirectory("/dev/vfio/devices", out var devices) == 0 ? devices : [];
        if (features.Iommufd && cdevs.Any(name => name.StartsWith("vfio", StringComparison.Ordinal)))
        {
            return VfioMode.Cdev;
        }

        if (features.Container && vfioEntries.Any(name => name.Length > 0 && char.IsAsciiDigit(name[0])))
        {
            return VfioMode.Group;
        }

        var noIommuCdevs = cdevs.Any(name => name.StartsWith("noiommu-", StringComparison.Ordinal));
        var noIommuGroups = vfioEntries.Any(name => name.StartsWith("noiommu-", StringComparison.Ordinal));
        if (noIommuCdevs || noIommuGroups)
        {
            if (!allowNoIommu)
            {
                throw new VfioException("choosing a VFIO mode", advice: "this machine offers only no-IOMMU VFIO, where a device can DMA anywhere in memory: set VfioOptions.AllowNoIommu to use it");
            }

            return noIommuCdevs && features.Iommufd ? VfioMode.NoIommuCdev : VfioMode.NoIommuGroup;
        }

        if (!features.Container)
        {
            throw new VfioException("choosing a VFIO mode", advice: "/dev/vfio/vfio does not exist: load vfio-pci (modprobe vfio-pci)");
        }

        throw new VfioException(
            "choosing a VFIO mode",
            advice: features.NoIommuEnabled
                ? "no device is bound to vfio-pci yet (no /dev/vfio/N)"
                : $"no IOMMU group is bound to vfio-pci; without an IOMMU, no-IOMMU mode needs {NoIommuParameter} = Y (it is N) and VfioOptions.AllowNoIommu");
    }

    private static void Check(IKernel kernel, VfioFeatures features, VfioMode mode, bool allowNoIommu)
    {
        _ = kernel;
        switch (mode)
        {
            case VfioMode.NoIommuGroup or VfioMode.NoIommuCdev when !allowNoIommu:
                throw new VfioException($"using {mode} mode", advice: "no-IOMMU modes let a device DMA anywhere in memory: set VfioOptions.AllowNoIommu to opt in");
            case VfioMode.NoIommuGroup or VfioMode.NoIommuCdev when !features.NoIommuEnabled:
                throw new VfioException($"using {mode} mode", advice: $"the kernel's {NoIommuParameter} is off: set it to Y (or boot with vfio.enable_unsafe_noiommu_mode=1)");
            case VfioMode.Cdev or VfioMode.NoIommuCdev when !features.Iommufd && mode == VfioMode.Cdev:
                throw new VfioException("using cdev mode", advice: "/dev/iommu does not exist: the kernel needs CONFIG_IOMMUFD (Debian's kernels and 6.1 have none: use group mode)");
            case VfioMode.Group or VfioMode.NoIommuGroup when !features.Container:
                throw new VfioException($"using {mode} mode", advice: "/dev/vfio/vfio does not exist: load vfio-pci");
            case VfioMode.None:
                throw new VfioException("using VfioMode.None", advice: "choose a mode that reaches devices");
        }
    }

    private VfioContainer Track(VfioContainer container)
    {
        _containers.Add(container);
        return container;
    }
}
