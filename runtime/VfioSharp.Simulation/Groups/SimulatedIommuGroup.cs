using System.Globalization;
using VfioSharp.Simulation.Containers;
using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.Pci;

namespace VfioSharp.Simulation.Groups;

/// <summary>
/// An IOMMU group as VFIO tracks it (<c>drivers/vfio/group.c</c>): its devices, whether its file is open, its
/// container, and how many device fds it handed out. Without an IOMMU, VFIO makes a no-IOMMU group per device
/// when <c>enable_unsafe_noiommu_mode</c> is on (<c>/dev/vfio/noiommu-N</c>).
/// </summary>
internal sealed class SimulatedIommuGroup
{
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

    public GroupFile? OpenFile { get; set; }

    public ContainerFile? Container { get; set; }

    /// <summary>Device fds obtained through this group and still open.</summary>
    public int DeviceFiles { get; set; }

    /// <summary>Viable when every device of the group is bound to vfio-pci (or to no driver).</summary>
    public bool Viable => Functions.All(f => f.BoundToVfio);

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

    public void Publish()
    {
        if (Published && Functions.Any(f => f.BoundToVfio))
        {
            Kernel.FileSystem.AddDeviceNode(NodePath, () => OpenFile = new GroupFile(Kernel, this), Guard);
        }
    }

    /// <summary>The group left its container (UNSET_CONTAINER, or its file's last reference went away).</summary>
    public void LeaveContainer()
    {
        var container = Container;
        Container = null;
        foreach (var function in Functions)
        {
            function.Dma.PageTable = null;
            function.Dma.Physical = false;
        }

        container?.GroupLeft(this);
    }

    /// <summary>The group file and every device fd from it are closed: what group release does.</summary>
    public void MaybeRelease()
    {
        if (OpenFile is null && DeviceFiles == 0 && Container is not null)
        {
            LeaveContainer();
        }
    }

    private int Guard()
    {
        if (OpenFile is not null)
        {
            return -LinuxErrno.EBUSY;
        }

        if (Functions.Any(f => f.BoundCdev is not null))
        {
            return -LinuxErrno.EBUSY;
        }

        if (NoIommu && !Kernel.Options.Root)
        {
            return -LinuxErrno.EPERM;
        }

        return 0;
    }

    public override string ToString() => NodePath + " (group " + Number.ToString(CultureInfo.InvariantCulture) + ")";
}
