using System.Globalization;
using VfioSharp.Simulation.Containers;
using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.Iommufd;
using VfioSharp.Simulation.Pci;

namespace VfioSharp.Simulation.Groups;

/// <summary>
/// An IOMMU group as VFIO tracks it (<c>drivers/vfio/group.c</c>): its devices, its one open file, its container (or
/// iommufd), and how many device fds it handed out. Without an IOMMU, VFIO makes a no-IOMMU group per device when
/// <c>enable_unsafe_noiommu_mode</c> is on (<c>/dev/vfio/noiommu-N</c>).
/// </summary>
/// <remarks>
/// Device fds hold a reference on the group's file (vfio_group_use_container's get_file), so closing the group fd
/// while devices are open keeps the group opened (a new open is EBUSY) and in its container until the last device
/// fd closes; then the group is released as vfio_group_fops_release does.
/// </remarks>
internal sealed class SimulatedIommuGroup
{
    private readonly Dictionary<SimulatedPciFunction, (IommufdFile Iommufd, DeviceObject Device)> _iommufdDevices = [];

    private SimulatedIommuGroup(SimulatedKernel kernel, int number, bool noIommu)
    {
        Kernel = kernel;
        Number = number;
        NoIommu = noIommu;
    }

    public SimulatedKernel Kernel { get; }

    public int Number { get; }

    public bool NoIommu { get; }

    public List<SimulatedPciFunction> Functions { get; } = [];

    /// <summary>Whether the group exists at all: an IOMMU group, or a no-IOMMU one with the parameter on.</summary>
    public bool Published => !NoIommu || Kernel.Options.NoIommuEnabled;

    public string NodePath => NoIommu ? $"/dev/vfio/noiommu-{Number}" : $"/dev/vfio/{Number}";

    /// <summary>group->opened_file: set from open until the file is closed and no device fd from it is left.</summary>
    public GroupFile? OpenFile { get; set; }

    /// <summary>The group's fd was closed, but device fds from it still hold the file.</summary>
    public bool FileClosed { get; set; }

    public ContainerFile? Container { get; set; }

    /// <summary>group->iommufd: VFIO_GROUP_SET_CONTAINER was given a /dev/iommu fd (6.2+).</summary>
    public IommufdFile? Iommufd { get; set; }

    /// <summary>vfio_group_has_iommu: a container or an iommufd is set.</summary>
    public bool HasIommu => Container is not null || Iommufd is not null;

    /// <summary>Device fds obtained through this group and still open.</summary>
    public int DeviceFiles { get; set; }

    /// <summary>
    /// Whether no host driver owns DMA of the group (iommu_group_dma_owner_claimed is false): every device is
    /// bound to vfio-pci, to no driver, or to a driver that sets <c>driver_managed_dma</c> and so never claims DMA
    /// ownership (pci-stub and the PCIe port driver: "PCI: pci_stub: Set driver_managed_dma" and "PCI: portdrv:
    /// Set driver_managed_dma", the 5.19 DMA-ownership series).
    /// </summary>
    public bool Viable => Functions.All(f => f.BoundToVfio || f.Driver is "" or "pci-stub" or "pcieport");

    /// <summary>The devices VFIO knows in the group: those bound to vfio-pci.</summary>
    public IEnumerable<SimulatedPciFunction> VfioDevices => Functions.Where(f => f.BoundToVfio);

    public static SimulatedIommuGroup For(SimulatedKernel kernel, int number, bool noIommu)
    {
        var groups = kernel.IommuGroups;
        if (!groups.TryGetValue(number, out var group))
        {
            group = new SimulatedIommuGroup(kernel, number, noIommu);
            groups.Add(number, group);
        }

        return group;
    }

    /// <summary>
    /// The group's node exists while vfio-pci has a device of it (vfio_group_find_or_alloc at the first device's
    /// registration, vfio_group_put at the last one's removal). A group file still open keeps working without its node.
    /// </summary>
    public void Publish()
    {
        if (Published && Functions.Any(f => f.BoundToVfio))
        {
            Kernel.FileSystem.AddDeviceNode(NodePath, () => OpenFile = new GroupFile(Kernel, this), Guard);
        }
        else
        {
            Kernel.FileSystem.Remove(NodePath);
        }
    }

    /// <summary>Binds a device opened through the group to the group's iommufd and attaches it to the compat IOAS.</summary>
    public long BindToIommufd(SimulatedPciFunction function)
    {
        var iommufd = Iommufd!;
        if (_iommufdDevices.ContainsKey(function))
        {
            return 0;
        }

        if (NoIommu)
        {
            // vfio_df_group_open: a no-IOMMU device is not bound; CAP_SYS_RAWIO, and no compat IOAS the user
            // could believe translates.
            if (!Kernel.Options.Root || iommufd.CompatIoas is not null)
            {
                return -LinuxErrno.EPERM;
            }

            function.Dma.Physical = true;
            return 0;
        }

        if (!Kernel.Options.InterruptRemapping)
        {
            // iommufd_device_bind: no MSI isolation and allow_unsafe_interrupts off.
            return -LinuxErrno.EPERM;
        }

        if (!Viable)
        {
            // iommu_device_claim_dma_owner.
            return -LinuxErrno.EPERM;
        }

        var device = iommufd.Bind(function, noIommu: false);

        // vfio_iommufd_compat_attach_ioas.
        var ptId = iommufd.GetOrCreateCompatIoas().Id;
        var attached = iommufd.Attach(device, ref ptId);
        if (attached < 0)
        {
            iommufd.Unbind(device);
            return attached;
        }

        _iommufdDevices.Add(function, (iommufd, device));
        return 0;
    }

    /// <summary>The group leaves its container or iommufd (UNSET_CONTAINER, or the group's release).</summary>
    public void LeaveContainer()
    {
        var container = Container;
        Container = null;
        Iommufd = null;
        foreach (var function in Functions)
        {
            if (function.BoundCdev is null)
            {
                function.Dma.PageTable = null;
                function.Dma.Physical = false;
            }
        }

        container?.GroupLeft(this);
    }

    /// <summary>
    /// After a device fd from the group closed, or the group fd itself: unbinds devices no fd holds any more from
    /// the iommufd, and once neither the group fd nor a device fd is open, releases the group (vfio_group_fops_release).
    /// </summary>
    public void MaybeRelease()
    {
        foreach (var (function, binding) in _iommufdDevices.Where(pair => pair.Key.OpenDeviceFiles == 0).ToList())
        {
            // vfio_df_iommufd_unbind on the device's last close (a no-IOMMU device was never bound).
            _iommufdDevices.Remove(function);
            binding.Iommufd.Unbind(binding.Device);
            function.Dma.PageTable = null;
        }

        if (FileClosed && DeviceFiles == 0)
        {
            FileClosed = false;
            OpenFile = null;
            if (HasIommu)
            {
                LeaveContainer();
            }
        }
    }

    /// <summary>vfio_group_fops_open's checks, in its order.</summary>
    private int Guard()
    {
        if (NoIommu && !Kernel.Options.Root)
        {
            // CAP_SYS_RAWIO.
            return -LinuxErrno.EPERM;
        }

        if (Functions.Any(f => f.BoundCdev is not null))
        {
            // cdev_device_open_cnt: a device of the group is bound through its cdev.
            return -LinuxErrno.EBUSY;
        }

        return OpenFile is not null ? -LinuxErrno.EBUSY : 0;
    }

    public override string ToString() => NodePath + " (group " + Number.ToString(CultureInfo.InvariantCulture) + ")";
}
