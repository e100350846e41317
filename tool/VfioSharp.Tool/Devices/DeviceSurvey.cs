using System.Globalization;
using VfioSharp.Kernel;
using VfioSharp.Modes;
using VfioSharp.Pci;
using VfioSharp.Tool.Binding;

namespace VfioSharp.Tool.Devices;

/// <summary>
/// What the machine offers for VFIO, read through <see cref="IKernel"/> as dpdk-devbind's status does from sysfs: the
/// kernel's modes (the runtime's own feature detection and mode check, <see cref="Vfio.DetectFeatures"/> and
/// <see cref="Vfio.ExplainUnavailable"/>) and, per PCI device, what it lacks for each mode the kernel can run.
/// </summary>
internal sealed class DeviceSurvey
{
    private const string DevicesFolder = "/sys/bus/pci/devices";

    /// <summary>
    /// Drivers that leave DMA to VFIO (<c>driver_managed_dma</c>: vfio-pci, pci-stub, pcieport): a group member bound to
    /// one of them, or to none, doesn't make the group unviable (<c>iommu_group_dma_owner_claimed</c>).
    /// </summary>
    private static readonly string[] DmaNeutralDrivers = ["vfio-pci", "pci-stub", "pcieport"];

    private DeviceSurvey(bool vfioPciLoaded, IReadOnlyDictionary<VfioMode, string?> kernelReasons, IReadOnlyList<DeviceStatus> devices)
    {
        VfioPciLoaded = vfioPciLoaded;
        KernelReasons = kernelReasons;
        Devices = devices;
    }

    /// <summary>Whether the vfio-pci driver is registered (<c>/sys/bus/pci/drivers/vfio-pci</c>).</summary>
    public bool VfioPciLoaded { get; }

    /// <summary>For each mode, why this kernel can't run it (null: it can).</summary>
    public IReadOnlyDictionary<VfioMode, string?> KernelReasons { get; }

    /// <summary>The PCI devices, in address order.</summary>
    public IReadOnlyList<DeviceStatus> Devices { get; }

    public static DeviceSurvey Take(IKernel kernel)
    {
        var features = Vfio.DetectFeatures(kernel);
        var kernelReasons = VfioModeNames.All.ToDictionary(mode => mode, mode => Vfio.ExplainUnavailable(features, mode));
        var vfioNodes = kernel.ListDirectory("/dev/vfio", out var nodes) == 0 ? nodes : [];
        var cdevNodes = kernel.ListDirectory("/dev/vfio/devices", out var cdevs) == 0 ? cdevs : [];
        var loaded = kernel.ListDirectory("/sys/bus/pci/drivers/" + DriverBinding.VfioPci, out _) == 0;
        var names = kernel.ListDirectory(DevicesFolder, out var entries) == 0 ? entries : [];
        var devices = new List<DeviceStatus>();
        foreach (var name in names)
        {
            // Only names that are PCI addresses: nothing else is ever joined into a sysfs path.
            if (!PciAddress.TryParse(name, out var address))
            {
                continue;
            }

            var info = PciDeviceInfo.Read(kernel, address);
            var reasons = new Dictionary<VfioMode, string?>();
            foreach (var mode in VfioModeNames.All.Where(mode => kernelReasons[mode] is null))
            {
                reasons[mode] = DeviceReason(kernel, mode, info, vfioNodes, cdevNodes);
            }

            devices.Add(new DeviceStatus(info, Id(kernel, address, "vendor", 4), Id(kernel, address, "device", 4), Id(kernel, address, "class", 6), reasons));
        }

        return new DeviceSurvey(loaded, kernelReasons, devices);
    }

    /// <summary>
    /// The members of an IOMMU group bound to a driver that owns DMA (not vfio-pci, pci-stub, pcieport or none): while
    /// one is, VFIO refuses the group (not viable) and iommufd refuses to bind a device of it.
    /// </summary>
    public static IReadOnlyList<PciDeviceInfo> HostBoundMembers(IKernel kernel, int group)
    {
        var path = "/sys/kernel/iommu_groups/" + group.ToString(CultureInfo.InvariantCulture) + "/devices";
        if (kernel.ListDirectory(path, out var members) < 0)
        {
            return [];
        }

        return [.. members
            .Select(member => PciAddress.TryParse(member, out var address) ? PciDeviceInfo.Read(kernel, address) : null)
            .OfType<PciDeviceInfo>()
            .Where(member => member.Driver is { } driver && !DmaNeutralDrivers.Contains(driver))];
    }

    public static string Describe(IEnumerable<PciDeviceInfo> devices) => string.Join(", ", devices.Select(d => $"{d.Address} ({d.Driver ?? "no driver"})"));

    private static string? DeviceReason(IKernel kernel, VfioMode mode, PciDeviceInfo info, IReadOnlyList<string> vfioNodes, IReadOnlyList<string> cdevNodes)
    {
        if (info.Driver != DriverBinding.VfioPci)
        {
            return $"not bound to vfio-pci ({info.Driver ?? "no driver"}): vfiosharp bind {info.Address}";
        }

        var noIommu = mode is VfioMode.NoIommuGroup or VfioMode.NoIommuCdev;
        if (mode is VfioMode.Group or VfioMode.NoIommuGroup)
        {
            if (info.IommuGroup is not { } group)
            {
                return "no IOMMU group in sysfs";
            }

            var number = group.ToString(CultureInfo.InvariantCulture);
            var isNoIommuGroup = vfioNodes.Contains("noiommu-" + number);
            if (!noIommu && isNoIommuGroup)
            {
                return $"outside any IOMMU: its group is /dev/vfio/noiommu-{number}";
            }

            if (noIommu && !isNoIommuGroup)
            {
                return vfioNodes.Contains(number) ? $"behind an IOMMU (/dev/vfio/{number}): no-IOMMU modes are for devices without one" : $"no /dev/vfio/noiommu-{number}";
            }

            if (!noIommu && !vfioNodes.Contains(number))
            {
                return $"no /dev/vfio/{number}";
            }
        }
        else
        {
            var node = info.CdevName is { } cdev ? cdevNodes.FirstOrDefault(n => n == cdev || n == "noiommu-" + cdev) : null;
            if (node is null)
            {
                return noIommu ? "no no-IOMMU cdev (/dev/vfio/devices/noiommu-vfioN: Linux 7 with enable_unsafe_noiommu_mode on)" : "no vfio cdev (/dev/vfio/devices/vfioN)";
            }

            var isNoIommuCdev = node.StartsWith("noiommu-", StringComparison.Ordinal);
            if (!noIommu && isNoIommuCdev)
            {
                return $"outside any IOMMU: its cdev is /dev/vfio/devices/{node}";
            }

            if (noIommu && !isNoIommuCdev)
            {
                return $"behind an IOMMU (/dev/vfio/devices/{node}): no-IOMMU modes are for devices without one";
            }
        }

        if (!noIommu && info.IommuGroup is { } viableGroup && HostBoundMembers(kernel, viableGroup) is { Count: > 0 } blocking)
        {
            return $"IOMMU group {viableGroup} is not viable: {Describe(blocking)} on host drivers";
        }

        return null;
    }

    /// <summary>A sysfs ID attribute (<c>0x1234\n</c>) as bare hex digits, or "?" where it can't be read.</summary>
    private static string Id(IKernel kernel, PciAddress address, string attribute, int digits)
    {
        if (kernel.ReadText($"{DevicesFolder}/{address}/{attribute}", out var text) < 0)
        {
            return new string('?', digits);
        }

        var value = text.Trim();
        return value.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? value[2..] : value;
    }
}
