using System.Runtime.InteropServices;
using VfioSharp.Simulation.Containers;
using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.Iommufd;
using VfioSharp.Simulation.Pci;
using VfioSharp.Uapi;

namespace VfioSharp.Simulation.Groups;

/// <summary>
/// An open <c>/dev/vfio/N</c> (<c>drivers/vfio/group.c</c>): VFIO_GROUP_GET_STATUS, SET/UNSET_CONTAINER and
/// GET_DEVICE_FD, each checking in the kernel's order so that a call wrong in two ways gets Linux's errno.
/// </summary>
internal sealed unsafe class GroupFile(SimulatedKernel kernel, SimulatedIommuGroup group) : SimulatedFile(kernel)
{
    // UUID_STRING_LEN: "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx".
    private const int UuidLength = 36;

    public override string Description => "VFIO group " + group;

    public SimulatedIommuGroup Group => group;

    public override long Ioctl(ulong request, nint argument) => request switch
    {
        vfio.VFIO_GROUP_GET_STATUS => GetStatus(argument),
        vfio.VFIO_GROUP_SET_CONTAINER => SetContainer(argument),
        vfio.VFIO_GROUP_UNSET_CONTAINER => UnsetContainer(),
        vfio.VFIO_GROUP_GET_DEVICE_FD => GetDeviceFd(argument),
        _ => -LinuxErrno.ENOTTY,
    };

    public override void Release()
    {
        group.FileClosed = true;
        group.MaybeRelease();
    }

    private long GetStatus(nint argument)
    {
        if (argument == 0)
        {
            return -LinuxErrno.EFAULT;
        }

        // SAFETY: the caller passes a vfio_group_status (8 bytes: argsz, flags).
        var status = (vfio_group_status*)argument;
        if (status->argsz < 8)
        {
            return -LinuxErrno.EINVAL;
        }

        // With an iommufd, DMA ownership is claimed only at GET_DEVICE_FD, so a group with one set reads viable.
        status->flags = group.HasIommu ? (uint)(vfio.VFIO_GROUP_FLAGS_CONTAINER_SET | vfio.VFIO_GROUP_FLAGS_VIABLE)
            : group.Viable ? (uint)vfio.VFIO_GROUP_FLAGS_VIABLE
            : 0;
        return 0;
    }

    /// <summary>vfio_group_ioctl_set_container: the fd is looked up first, then the group's state, then the fd's kind.</summary>
    private long SetContainer(nint argument)
    {
        if (argument == 0)
        {
            return -LinuxErrno.EFAULT;
        }

        // SAFETY: the argument points to the container's fd (an int).
        var fd = *(int*)argument;
        var file = Kernel.FileOf(fd);
        if (file is null)
        {
            return -LinuxErrno.EBADF;
        }

        if (group.HasIommu)
        {
            return -LinuxErrno.EINVAL;
        }

        switch (file)
        {
            case ContainerFile container:
                var joined = container.Join(group);
                if (joined < 0)
                {
                    return joined;
                }

                group.Container = container;
                return 0;
            case IommufdFile iommufd when Kernel.Options.Profile != SimulatedKernelProfile.Linux61:
                // iommufd_vfio_compat_ioas_create (or, for a no-IOMMU group, iommufd_vfio_compat_set_no_iommu,
                // which needs no IOAS).
                if (!group.NoIommu)
                {
                    _ = iommufd.GetOrCreateCompatIoas();
                }

                group.Iommufd = iommufd;
                return 0;
            default:
                // 6.1 answered EINVAL here (no iommufd branch); 6.2 on answer EBADFD ("The FD passed is not recognized").
                return Kernel.Options.Profile == SimulatedKernelProfile.Linux61 ? -LinuxErrno.EINVAL : -LinuxErrno.EBADFD;
        }
    }

    private long UnsetContainer()
    {
        if (!group.HasIommu)
        {
            return -LinuxErrno.EINVAL;
        }

        if (group.Container is not null && group.DeviceFiles > 0)
        {
            // container_users != 1: device fds use the container.
            return -LinuxErrno.EBUSY;
        }

        group.LeaveContainer();
        return 0;
    }

    /// <summary>
    /// vfio_group_ioctl_get_device_fd: the name is matched first (vfio_device_get_from_name → vfio_pci_core_match),
    /// then the device is opened through the group (vfio_df_group_open), which needs the container's IOMMU.
    /// </summary>
    private long GetDeviceFd(nint argument)
    {
        if (argument == 0)
        {
            return -LinuxErrno.EFAULT;
        }

        // SAFETY: the argument is a NUL-terminated string (strndup_user).
        var name = Marshal.PtrToStringUTF8(argument) ?? string.Empty;
        SimulatedPciFunction? function = null;
        foreach (var candidate in group.VfioDevices)
        {
            var match = Match(candidate.Address, name);
            if (match < 0)
            {
                return match;
            }

            if (match > 0)
            {
                function = candidate;
                break;
            }
        }

        if (function is null)
        {
            return -LinuxErrno.ENODEV;
        }

        if (!group.HasIommu)
        {
            return -LinuxErrno.EINVAL;
        }

        if (group.Container is { } container)
        {
            if (!container.HasIommu)
            {
                // vfio_group_use_container: VFIO_SET_IOMMU not done yet.
                return -LinuxErrno.EINVAL;
            }
        }
        else
        {
            var bound = group.BindToIommufd(function);
            if (bound < 0)
            {
                return bound;
            }
        }

        group.DeviceFiles++;
        function.OpenDeviceFiles++;
        return Kernel.Install(new GroupDeviceFile(Kernel, function));
    }

    /// <summary>
    /// vfio_pci_core_match: 1 when <paramref name="request"/> names the device (its address, then nothing or spaces
    /// and options), 0 when it doesn't, -EINVAL for an option it doesn't know or a vf_token on a device that is
    /// neither SR-IOV PF nor VF (every simulated device).
    /// </summary>
    private static int Match(string address, string request)
    {
        if (!request.StartsWith(address, StringComparison.Ordinal))
        {
            return 0;
        }

        var rest = request.AsSpan(address.Length);
        if (rest.Length == 0)
        {
            return 1;
        }

        if (rest[0] != ' ')
        {
            // Non-whitespace after the name: another name, not a match.
            return 0;
        }

        var token = false;
        while (rest.Length > 0)
        {
            if (rest[0] == ' ')
            {
                rest = rest[1..];
                continue;
            }

            if (token || !rest.StartsWith("vf_token=", StringComparison.Ordinal))
            {
                // Unknown or duplicate option.
                return -LinuxErrno.EINVAL;
            }

            rest = rest["vf_token=".Length..];
            if (rest.Length < UuidLength || !Guid.TryParseExact(rest[..UuidLength], "D", out _))
            {
                return -LinuxErrno.EINVAL;
            }

            token = true;
            rest = rest[UuidLength..];
        }

        // vfio_pci_core_match_token_uuid: "VF token incorrectly provided, not a PF or VF".
        return token ? -LinuxErrno.EINVAL : 1;
    }
}
