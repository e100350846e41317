using VfioSharp.Simulation.Core;
using VfioSharp.Uapi;

namespace VfioSharp.Simulation.Pci;

/// <summary>A device fd from VFIO_GROUP_GET_DEVICE_FD: usable at once; the cdev ioctls are not its own.</summary>
internal sealed class GroupDeviceFile(SimulatedKernel kernel, SimulatedPciFunction function) : VfioPciDeviceFile(kernel, function)
{
    public override string Description => "VFIO device " + Function.Address + " (from group " + Function.Group.Number + ")";

    public override long Ioctl(ulong request, nint argument)
        => request switch
        {
            // A group-obtained fd was never opened through the cdev: bind is refused, attach is not implemented.
            vfio.VFIO_DEVICE_BIND_IOMMUFD => -LinuxErrno.EINVAL,
            vfio.VFIO_DEVICE_ATTACH_IOMMUFD_PT or vfio.VFIO_DEVICE_DETACH_IOMMUFD_PT => -LinuxErrno.ENOTTY,
            _ => base.Ioctl(request, argument),
        };

    public override void Release()
    {
        Function.Group.DeviceFiles--;
        base.Release();
        Function.Group.MaybeRelease();
    }
}
