using VfioSharp.Simulation.Cdev;
using VfioSharp.Simulation.Core;
using VfioSharp.Uapi;

namespace VfioSharp.Simulation.Pci;

/// <summary>A device fd from VFIO_GROUP_GET_DEVICE_FD: usable at once; the cdev ioctls are not its own.</summary>
internal sealed class GroupDeviceFile(SimulatedKernel kernel, SimulatedPciFunction function) : VfioPciDeviceFile(kernel, function)
{
    public override string Description => "VFIO device " + Function.Address + " (from group " + Function.Group.Number + ")";

    public override long Ioctl(ulong request, nint argument)
    {
        if (request == vfio.VFIO_DEVICE_BIND_IOMMUFD)
        {
            // vfio_df_ioctl_bind_iommufd checks its argument first, then refuses an fd that came from a group.
            var checkedArguments = CdevDeviceFile.CheckBindArguments(argument, out _);
            return checkedArguments != 0 ? checkedArguments : -LinuxErrno.EINVAL;
        }

        // ATTACH/DETACH_IOMMUFD_PT are recognised only on cdev fds: here they reach vfio-pci, which answers ENOTTY.
        return base.Ioctl(request, argument);
    }

    public override void Release()
    {
        Function.Group.DeviceFiles--;
        base.Release();
        Function.Group.MaybeRelease();
    }
}
