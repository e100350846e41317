using System.Globalization;
using VfioSharp.Containers;
using VfioSharp.Devices;
using VfioSharp.Groups;
using VfioSharp.Handles;
using VfioSharp.Kernel;
using VfioSharp.Modes;
using VfioSharp.Pci;
using VfioSharp.Uapi;

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
    private bool _disposed;

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
        Check(features, mode, options.AllowNoIommu);
        return new Vfio(kernel, mode, features);
    }

    /// <summary>
    /// Finds what the kernel offers, as <see cref="Open"/> does before it chooses a mode, without choosing one: for
    /// tools that report what a machine can do (<c>vfiosharp devices</c>). Never throws.
    /// </summary>
    /// <param name="kernel">The kernel.</param>
    /// <returns>What the kernel offers.</returns>
    public static VfioFeatures DetectFeatures(IKernel kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        return Detect(kernel);
    }

    /// <summary>
    /// Why a kernel with <paramref name="features"/> can't run <paramref name="mode"/>, in the words
    /// <see cref="Open"/> would throw (what is missing and what to change); null when it can. The opt-in that no-IOMMU
    /// modes need from the caller (<see cref="VfioOptions.AllowNoIommu"/>) is not the kernel's and not checked here.
    /// </summary>
    /// <param name="features">What the kernel offers (<see cref="DetectFeatures"/>).</param>
    /// <param name="mode">A mode other than <see cref="VfioMode.None"/>.</param>
    /// <returns>The reason, or null.</returns>
    public static string? ExplainUnavailable(VfioFeatures features, VfioMode mode)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (mode == VfioMode.None || !Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "choose Group, Cdev, NoIommuGroup or NoIommuCdev");
        }

        return Unavailable(features, mode);
    }

    /// <summary>Reads sysfs for a device: driver, IOMMU group, VFIO cdev.</summary>
    /// <param name="address">The device.</param>
    /// <returns>What sysfs says.</returns>
    /// <exception cref="VfioException">No such device.</exception>
    public PciDeviceInfo GetDeviceInfo(PciAddress address) => PciDeviceInfo.Read(Kernel, address);

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
    /// Sets a device up in <paramref name="container"/> (the default one when null): group modes open its group
    /// (or reuse the one this runtime already opened: Linux lets a group node be opened once), put it in the
    /// container and get the device fd; cdev modes open the cdev, bind it and attach it. Every step that
    /// succeeded is undone when a later one fails. A group opened here is closed again when its last device is
    /// released, so a released device leaves no fd behind.
    /// </summary>
    /// <param name="address">The device.</param>
    /// <param name="container">The container; the default one when null.</param>
    /// <returns>The device, attached (a no-IOMMU cdev: bound, it has no IOAS to attach to).</returns>
    /// <exception cref="VfioException">A step failed: the message names it.</exception>
    /// <exception cref="ObjectDisposedException">The runtime was disposed.</exception>
    [Lifecycle.ReturnsState(DeviceState.Attached, DeviceState.Bound)]
    public VfioDevice OpenDevice(PciAddress address, VfioContainer? container = null)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
        container ??= DefaultContainer;
        if (!ReferenceEquals(container.Vfio, this))
        {
            throw new ArgumentException("the container belongs to another Vfio runtime", nameof(container));
        }

        var info = GetDeviceInfo(address);
        if (info.Driver != "vfio-pci")
        {
            throw new VfioException($"opening {address} with VFIO", advice: $"it is bound to {info.Driver ?? "no driver"}, not vfio-pci: echo vfio-pci > /sys/bus/pci/devices/{address}/driver_override, then unbind it and echo {address} > /sys/bus/pci/drivers_probe");
        }

        return Mode is VfioMode.Cdev or VfioMode.NoIommuCdev ? OpenCdevDevice(address, container) : OpenGroupDevice(address, info, container);
    }

    /// <summary>Releases every device, group and container this runtime made: devices first, containers last.</summary>
    public void Dispose()
    {
        Volatile.Write(ref _disposed, true);
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

    /// <summary>
    /// A group this runtime opened lost its last device: close it (leaving its container, which goes back to
    /// Empty when it was the last group). Under the runtime's lock, so an OpenDevice can't pick the group up
    /// while it closes.
    /// </summary>
    internal void GroupIdle(VfioGroup group)
    {
        lock (_gate)
        {
            if (!group.OwnedByRuntime || group.DeviceCount > 0 || !_groups.Remove(group))
            {
                return;
            }

            group.Dispose();
        }
    }

    private static VfioFeatures Detect(IKernel kernel)
    {
        var dev = kernel.ListDirectory("/dev", out var devEntries) == 0 ? devEntries : [];
        var vfioDir = kernel.ListDirectory("/dev/vfio", out var vfioEntries) == 0 ? vfioEntries : [];
        var parameterExists = kernel.ReadText(NoIommuParameter, out var parameter) == 0;
        var noIommu = parameterExists && parameter.Trim() is "Y" or "1";
        var features = new VfioFeatures(vfioDir.Contains("vfio"), dev.Contains("iommu"), vfioDir.Contains("devices"), noIommu) { NoIommuParameterExists = parameterExists };
        if (!features.Container)
        {
            return features;
        }

        // The container answers what the IOMMU drivers offer (vfio_container_ioctl_check_extension asks every
        // registered driver; the no-IOMMU one says yes only while its parameter is on). A container that can't be
        // opened leaves the answers unknown: the mode check reports it if the chosen mode needs them.
        var fd = kernel.Open("/dev/vfio/vfio", OpenFlags.ReadWrite | OpenFlags.CloseOnExec);
        if (fd < 0)
        {
            return features;
        }

        using var container = new ContainerHandle(kernel, fd);
        var version = container.TryVFIO_GET_API_VERSION();
        if (version < 0)
        {
            return features;
        }

        if (version != Uapi.vfio.VFIO_API_VERSION)
        {
            return features with { ApiVersion = (int)version };
        }

        return features with
        {
            ApiVersion = (int)version,
            Type1v2 = container.TryVFIO_CHECK_EXTENSION((uint)Uapi.vfio.VFIO_TYPE1v2_IOMMU) > 0,
            Type1 = container.TryVFIO_CHECK_EXTENSION((uint)Uapi.vfio.VFIO_TYPE1_IOMMU) > 0,
            NoIommuExtension = container.TryVFIO_CHECK_EXTENSION((uint)Uapi.vfio.VFIO_NOIOMMU_IOMMU) > 0,
        };
    }

    /// <summary>
    /// DPDK's choice after its cdev series: device cdevs when <c>/dev/iommu</c> exists and devices have
    /// <c>vfioN</c> cdevs, else IOMMU groups; the no-IOMMU nodes only when nothing else exists and the caller
    /// opted in.
    /// </summary>
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

        if (!features.Container && !features.Iommufd)
        {
            throw new VfioException("choosing a VFIO mode", advice: "neither /dev/vfio/vfio nor /dev/iommu exists: load vfio-pci (modprobe vfio-pci)");
        }

        var noIommuHint = !allowNoIommu
            ? "without an IOMMU (no iommu_group in sysfs), no-IOMMU mode also needs VfioOptions.AllowNoIommu"
            : features.NoIommuParameterExists
                ? $"without an IOMMU, no-IOMMU mode needs {NoIommuParameter} = Y ({(features.NoIommuEnabled ? "it is Y: bind the device to vfio-pci" : "it is N")})"
                : $"without an IOMMU there is no way: this kernel has no {NoIommuParameter} (built without CONFIG_VFIO_NOIOMMU)";
        throw new VfioException("choosing a VFIO mode", advice: $"no device is bound to vfio-pci (no /dev/vfio/N, no /dev/vfio/devices/vfioN); {noIommuHint}");
    }

    private static void Check(VfioFeatures features, VfioMode mode, bool allowNoIommu)
    {
        var noIommu = mode is VfioMode.NoIommuGroup or VfioMode.NoIommuCdev;
        var step = $"using {mode} mode";
        if (mode == VfioMode.None || !Enum.IsDefined(mode))
        {
            throw new VfioException($"using VfioMode {mode}", advice: "choose Group, Cdev, NoIommuGroup or NoIommuCdev, or leave VfioOptions.Mode null to choose by what the machine offers");
        }

        if (noIommu && !allowNoIommu)
        {
            throw new VfioException(step, advice: "no-IOMMU modes let a device DMA anywhere in memory: set VfioOptions.AllowNoIommu to opt in");
        }

        if (Unavailable(features, mode) is { } advice)
        {
            throw new VfioException(step, advice: advice);
        }
    }

    /// <summary>What the kernel lacks for <paramref name="mode"/>, or null: <see cref="Check"/> throws it, <see cref="ExplainUnavailable"/> returns it.</summary>
    private static string? Unavailable(VfioFeatures features, VfioMode mode)
    {
        var noIommu = mode is VfioMode.NoIommuGroup or VfioMode.NoIommuCdev;
        if (noIommu && !features.NoIommuParameterExists)
        {
            return features.Container
                ? $"this kernel is built without CONFIG_VFIO_NOIOMMU ({NoIommuParameter} does not exist; Debian's kernels are): no-IOMMU VFIO is impossible on it"
                : $"{NoIommuParameter} does not exist: the vfio module is not loaded (modprobe vfio-pci), or the kernel is built without CONFIG_VFIO_NOIOMMU (Debian's kernels are)";
        }

        if (noIommu && !features.NoIommuEnabled)
        {
            return $"the kernel's {NoIommuParameter} is N: echo Y > {NoIommuParameter} (or boot with vfio.enable_unsafe_noiommu_mode=1), then rebind the device to vfio-pci";
        }

        if (mode is VfioMode.Group or VfioMode.NoIommuGroup)
        {
            if (!features.Container)
            {
                return "/dev/vfio/vfio does not exist: load vfio-pci (modprobe vfio-pci); kernels built without VFIO_CONTAINER offer only cdev mode";
            }

            if (features.ApiVersion is not { } version)
            {
                return "/dev/vfio/vfio could not be opened or asked its API version";
            }

            if (version != Uapi.vfio.VFIO_API_VERSION)
            {
                return $"/dev/vfio/vfio speaks VFIO API version {version}, this runtime speaks {Uapi.vfio.VFIO_API_VERSION}";
            }

            if (mode == VfioMode.Group && !features.Type1v2 && !features.Type1)
            {
                return "the container offers neither the type1v2 nor the type1 IOMMU: load vfio_iommu_type1 and enable the IOMMU (intel_iommu=on / amd_iommu=on)";
            }

            if (mode == VfioMode.NoIommuGroup && !features.NoIommuExtension)
            {
                return $"the container does not offer VFIO_NOIOMMU_IOMMU: {NoIommuParameter} must be Y";
            }
        }
        else
        {
            if (!features.Iommufd)
            {
                return "/dev/iommu does not exist: the kernel needs CONFIG_IOMMUFD (Debian's kernels and 6.1 have none: use group mode)";
            }

            if (!features.DeviceCdevs)
            {
                return "/dev/vfio/devices does not exist: the kernel needs CONFIG_VFIO_DEVICE_CDEV (use group mode)";
            }
        }

        return null;
    }

    private VfioDevice OpenCdevDevice(PciAddress address, VfioContainer container)
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

    private VfioDevice OpenGroupDevice(PciAddress address, PciDeviceInfo info, VfioContainer container)
    {
        var number = info.IommuGroup ?? throw new VfioException($"finding the IOMMU group of {address}", advice: "sysfs shows no iommu_group: enable the IOMMU (intel_iommu=on) or, at your own risk, no-IOMMU mode");
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);

            // Linux opens a group node once (EBUSY for a second open): the devices of one group share its fd, and
            // so its container.
            var group = _groups.Find(g => g.Number == number);
            if (group is not null)
            {
                if (!ReferenceEquals(group.ContainerOrNull, container))
                {
                    throw new VfioException($"opening {address} in {container.Describe()}", advice: $"its IOMMU group {number} is already in another container: every device of a group shares one container (DMA isolation is per group)");
                }

                var sibling = group.OpenDevice(address);
                _devices.Add(sibling);
                return sibling;
            }

            group = VfioGroup.Open(this, number);
            try
            {
                group.SetContainer(container);
                var device = group.OpenDevice(address);
                group.OwnedByRuntime = true;
                _groups.Add(group);
                _devices.Add(device);
                return device;
            }
            catch
            {
                group.Dispose();
                throw;
            }
        }
    }

    private VfioContainer Track(VfioContainer container)
    {
        _containers.Add(container);
        return container;
    }

    /// <summary>Keeps an adopted object for <see cref="Dispose"/> (Sharing/VfioAdoption).</summary>
    internal T TrackAdopted<T>(T item)
        where T : class
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (item is VfioContainer container)
            {
                _containers.Add(container);
            }
            else if (item is VfioDevice device)
            {
                _devices.Add(device);
            }
        }

        return item;
    }
}
