using VfioSharp.Containers;
using VfioSharp.Devices;
using VfioSharp.Handles;
using VfioSharp.Kernel;
using VfioSharp.Modes;
using VfioSharp.Pci;
using VfioSharp.Uapi;

namespace VfioSharp.Sharing;

/// <summary>
/// Adopts VFIO descriptors another process opened and set up (a broker, DPDK's primary): a container, an
/// iommufd with its IOAS id, a device. Each descriptor is checked with ioctls only its kind answers before the
/// runtime trusts it, and the adopted objects start in the state the broker left them in: a worker never
/// repeats the broker's setup (no VFIO_SET_IOMMU, no IOAS allocation, no bind or attach) and never undoes it
/// (disposing an adopted container unmaps only this process's mappings and keeps the broker's IOAS).
/// </summary>
/// <remarks>
/// Every method takes ownership of the descriptor it is given: it is closed when validation fails and
/// otherwise when the adopted object is disposed (or the runtime is).
/// </remarks>
public static unsafe class VfioAdoption
{
    /// <summary>Adopts a group-mode container (<c>/dev/vfio/vfio</c>) whose IOMMU the broker has already set.</summary>
    /// <param name="vfio">The runtime, in <see cref="VfioMode.Group"/> or <see cref="VfioMode.NoIommuGroup"/>.</param>
    /// <param name="containerFd">The container descriptor, received from the broker; owned from now on.</param>
    /// <returns>The container, <see cref="ContainerState.Ready"/>.</returns>
    /// <exception cref="VfioException">The mode is not a group mode, the descriptor is not a container, or its IOMMU is not set.</exception>
    public static VfioContainer AdoptContainer(Vfio vfio, int containerFd)
    {
        ArgumentNullException.ThrowIfNull(vfio);
        var handle = new ContainerHandle(vfio.Kernel, containerFd);
        try
        {
            if (vfio.Mode is not (VfioMode.Group or VfioMode.NoIommuGroup))
            {
                throw Refused(containerFd, "a VFIO container", vfio.Mode, "the runtime is in a cdev mode, which shares an iommufd and an IOAS id instead (AdoptIoas)");
            }

            var version = handle.TryVFIO_GET_API_VERSION();
            if (version < 0)
            {
                throw Refused(containerFd, "a VFIO container", vfio.Mode, $"it does not answer VFIO_GET_API_VERSION ({Errno.FromResult(version)}): it is not /dev/vfio/vfio");
            }

            if (version != Uapi.vfio.VFIO_API_VERSION)
            {
                throw Refused(containerFd, "a VFIO container", vfio.Mode, $"its VFIO API version is {version}, this runtime speaks {Uapi.vfio.VFIO_API_VERSION}");
            }

            // /dev/iommu answers VFIO_GET_API_VERSION too (its type1 compatibility): only an iommufd finds no
            // object 0 (ENOENT); a container has no such ioctl.
            if (ProbeIoas(vfio.Kernel, containerFd, 0) == -Errno.ENOENT.Value)
            {
                throw Refused(containerFd, "a VFIO container", vfio.Mode, "it is an iommufd (/dev/iommu), not /dev/vfio/vfio");
            }

            var info = new vfio_iommu_type1_info { argsz = (uint)sizeof(vfio_iommu_type1_info) };
            var got = handle.TryVFIO_IOMMU_GET_INFO(ref info);

            // With no IOMMU driver set every container ioctl but the three setup ones is EINVAL
            // (misuse table: container-get-info-before-set-iommu); vfio-noiommu answers ENOTTY instead.
            var iommuSet = vfio.Mode == VfioMode.Group ? got >= 0 : got == -Errno.ENOTTY.Value;
            if (!iommuSet)
            {
                throw Refused(containerFd, "a VFIO container with its IOMMU set", vfio.Mode, $"VFIO_IOMMU_GET_INFO answers {(got < 0 ? Errno.FromResult(got).ToString() : "0")}: the broker must join a group and VFIO_SET_IOMMU before sharing it (a worker never sets the IOMMU)");
            }

            return vfio.TrackAdopted(new VfioContainer(vfio, handle, iommufd: null, ioasId: null));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Adopts an iommufd and the IOAS the broker allocated in it (cdev mode), or only the iommufd (no-IOMMU cdev).</summary>
    /// <param name="vfio">The runtime, in <see cref="VfioMode.Cdev"/> or <see cref="VfioMode.NoIommuCdev"/>.</param>
    /// <param name="iommufdFd">The <c>/dev/iommu</c> descriptor, received from the broker; owned from now on.</param>
    /// <param name="ioasId">The IOAS id in cdev mode (any value the broker got: its low byte need not be 1); null in no-IOMMU cdev mode.</param>
    /// <returns>The container, <see cref="ContainerState.Ready"/>, with <see cref="VfioContainer.IoasId"/> = <paramref name="ioasId"/>.</returns>
    /// <exception cref="VfioException">The mode is not a cdev mode, the descriptor is not an iommufd, or the IOAS does not exist in it.</exception>
    public static VfioContainer AdoptIoas(Vfio vfio, int iommufdFd, uint? ioasId)
    {
        ArgumentNullException.ThrowIfNull(vfio);
        var handle = new IommufdHandle(vfio.Kernel, iommufdFd);
        try
        {
            if (vfio.Mode is not (VfioMode.Cdev or VfioMode.NoIommuCdev))
            {
                throw Refused(iommufdFd, "an iommufd", vfio.Mode, "the runtime is in a group mode, which shares a VFIO container instead (AdoptContainer)");
            }

            if (vfio.Mode == VfioMode.Cdev && ioasId is null)
            {
                throw Refused(iommufdFd, "an iommufd with an IOAS id", vfio.Mode, "no IOAS id was given: cdev mode maps DMA through an IOAS");
            }

            if (vfio.Mode == VfioMode.NoIommuCdev && ioasId is not null)
            {
                throw Refused(iommufdFd, "an iommufd without an IOAS", vfio.Mode, $"IOAS id 0x{ioasId:x} was given: no-IOMMU cdev mode has no IOAS");
            }

            var probe = ProbeIoas(vfio.Kernel, iommufdFd, ioasId ?? 0);
            var isIommufd = probe >= 0 || probe == -Errno.EMSGSIZE.Value || probe == -Errno.ENOENT.Value;
            if (!isIommufd)
            {
                throw Refused(iommufdFd, "an iommufd", vfio.Mode, $"it does not answer IOMMU_IOAS_IOVA_RANGES ({Errno.FromResult(probe)}): it is not /dev/iommu");
            }

            if (ioasId is { } id && probe == -Errno.ENOENT.Value)
            {
                throw Refused(iommufdFd, "an iommufd with an IOAS id", vfio.Mode, $"IOAS id 0x{id:x} ({id}) does not exist in it (IOMMU_IOAS_IOVA_RANGES: ENOENT): the id must be the one the broker's IOMMU_IOAS_ALLOC returned, unchanged");
            }

            return vfio.TrackAdopted(new VfioContainer(vfio, handle: null, handle, ioasId));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Adopts a device descriptor the broker opened and attached to <paramref name="container"/>'s DMA space.</summary>
    /// <param name="vfio">The runtime that adopted <paramref name="container"/>.</param>
    /// <param name="address">The device's PCI address, for names in errors.</param>
    /// <param name="deviceFd">The device descriptor (group: VFIO_GROUP_GET_DEVICE_FD; cdev: bound and attached); owned from now on.</param>
    /// <param name="container">The adopted container or IOAS the broker attached the device to.</param>
    /// <returns>The device, <see cref="DeviceState.Attached"/>.</returns>
    /// <exception cref="VfioException">The descriptor is not a VFIO PCI device, or (cdev) it is not bound yet.</exception>
    public static VfioDevice AdoptDevice(Vfio vfio, PciAddress address, int deviceFd, VfioContainer container)
    {
        ArgumentNullException.ThrowIfNull(vfio);
        ArgumentNullException.ThrowIfNull(container);
        var handle = new DeviceHandle(vfio.Kernel, deviceFd);
        try
        {
            var info = new vfio_device_info { argsz = (uint)sizeof(vfio_device_info) };
            var got = handle.TryVFIO_DEVICE_GET_INFO(ref info);
            if (got == -Errno.EINVAL.Value && vfio.Mode is VfioMode.Cdev or VfioMode.NoIommuCdev)
            {
                throw Refused(deviceFd, $"the VFIO device {address}", vfio.Mode, "VFIO_DEVICE_GET_INFO answers EINVAL: a cdev that is not bound to an iommufd yet (the broker must bind and attach it before sharing it)");
            }

            if (got < 0)
            {
                throw Refused(deviceFd, $"the VFIO device {address}", vfio.Mode, $"it does not answer VFIO_DEVICE_GET_INFO ({Errno.FromResult(got)}): it is not a VFIO device fd");
            }

            if ((info.flags & (uint)Uapi.vfio.VFIO_DEVICE_FLAGS_PCI) == 0)
            {
                throw Refused(deviceFd, $"the VFIO device {address}", vfio.Mode, $"its flags 0x{info.flags:x} lack VFIO_DEVICE_FLAGS_PCI");
            }

            var device = new VfioDevice(vfio, address, handle, group: null, container);
            device.Adopted(container);
            return vfio.TrackAdopted(device);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    // IOMMU_IOAS_IOVA_RANGES through a borrowed handle: only an iommufd answers it (0 or EMSGSIZE for an IOAS, ENOENT
    // for an id that names none); a container, group or device fd answers ENOTTY or EINVAL.
    private static long ProbeIoas(IKernel kernel, int fd, uint ioasId)
    {
        using var borrowed = new IommufdHandle(kernel, fd, ownsHandle: false);
        var request = new iommu_ioas_iova_ranges { size = (uint)sizeof(iommu_ioas_iova_ranges), ioas_id = ioasId };
        return borrowed.TryIOMMU_IOAS_IOVA_RANGES(ref request);
    }

    private static VfioException Refused(int fd, string expected, VfioMode mode, string why)
        => new($"adopting fd {fd} as {expected} in {mode} mode", advice: why);
}
