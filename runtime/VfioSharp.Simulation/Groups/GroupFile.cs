using System.Runtime.InteropServices;
using VfioSharp.Simulation.Containers;
using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.Pci;
using VfioSharp.Uapi;

namespace VfioSharp.Simulation.Groups;

/// <summary>An open <c>/dev/vfio/N</c>: VFIO_GROUP_GET_STATUS, SET/UNSET_CONTAINER, GET_DEVICE_FD (<c>drivers/vfio/group.c</c>).</summary>
internal sealed unsafe class GroupFile(SimulatedKernel kernel, SimulatedIommuGroup group) : SimulatedFile(kernel)
{
    public override string Description => "VFIO group " + group;

    public SimulatedIommuGroup Group => group;

    public override long Ioctl(ulong request, nint argument)
    {
        switch (request)
        {
            case vfio.VFIO_GROUP_GET_STATUS:
                return GetStatus(argument);
            case vfio.VFIO_GROUP_SET_CONTAINER:
                return SetContainer(argument);
            case vfio.VFIO_GROUP_UNSET_CONTAINER:
                return UnsetContainer();
            case vfio.VFIO_GROUP_GET_DEVICE_FD:
                return GetDeviceFd(argument);
            default:
                return -LinuxErrno.ENOTTY;
        }
    }

    public override void Release()
    {
        group.OpenFile = null;
        group.MaybeRelease();
    }

    private long GetStatus(nint argument)
    {
        if (argument == 0)
        {
            return -LinuxErrno.EFAULT;
        }

        // SAFETY: the caller passes a vfio_group_status; argsz is checked before the rest is used.
        ref var status = ref *(vfio_group_status*)argument;
        if (status.argsz < 8)
        {
            return -LinuxErrno.EINVAL;
        }

        status.flags = (group.Viable ? (uint)vfio.VFIO_GROUP_FLAGS_VIABLE : 0) | (group.Container is not null ? (uint)vfio.VFIO_GROUP_FLAGS_CONTAINER_SET : 0);
        return 0;
    }

    private long SetContainer(nint argument)
    {
        if (argument == 0)
        {
            return -LinuxErrno.EFAULT;
        }

        if (group.Container is not null)
        {
            return -LinuxErrno.EINVAL;
        }

        // SAFETY: the argument is a pointer to the container's fd (an int).
        var fd = *(int*)argument;
        var file = Kernel.FileOf(fd);
        if (file is null)
        {
            return -LinuxErrno.EBADF;
        }

        if (file is not ContainerFile container)
        {
            // 6.1 answered EINVAL here; 6.2 on answer EBADFD (misuse table, group-set-container-not-a-container).
            return Kernel.Options.Profile == SimulatedKernelProfile.Linux61 ? -LinuxErrno.EINVAL : -LinuxErrno.EBADFD;
        }

        if (!group.Viable)
        {
            return -LinuxErrno.EPERM;
        }

        var joined = container.Join(group);
        if (joined < 0)
        {
            return joined;
        }

        group.Container = container;
        return 0;
    }

    private long UnsetContainer()
    {
        if (group.Container is null)
        {
            return -LinuxErrno.EINVAL;
        }

        if (group.DeviceFiles > 0)
        {
            return -LinuxErrno.EBUSY;
        }

        group.LeaveContainer();
        return 0;
    }

    private long GetDeviceFd(nint argument)
    {
        if (argument == 0)
        {
            return -LinuxErrno.EFAULT;
        }

        if (group.Container is not { HasIommu: true })
        {
            return -LinuxErrno.EINVAL;
        }

        // SAFETY: the argument is a NUL-terminated string.
        var name = Marshal.PtrToStringUTF8(argument) ?? string.Empty;
        if (name.Contains(' ', StringComparison.Ordinal))
        {
            // vf_token= is for SR-IOV devices only; any other option is unknown: EINVAL either way for edu.
            return -LinuxErrno.EINVAL;
        }

        var function = group.Functions.FirstOrDefault(f => f.Address == name);
        if (function is null)
        {
            return -LinuxErrno.ENODEV;
        }

        if (function.BoundCdev is not null)
        {
            return -LinuxErrno.EBUSY;
        }

        group.DeviceFiles++;
        function.OpenDeviceFiles++;
        return Kernel.Install(new GroupDeviceFile(Kernel, function));
    }
}
