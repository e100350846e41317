using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.Iommufd;
using VfioSharp.Simulation.Pci;
using VfioSharp.Uapi;

namespace VfioSharp.Simulation.Cdev;

/// <summary>
/// An open <c>/dev/vfio/devices/vfioN</c> (<c>drivers/vfio/device_cdev.c</c>): nothing but BIND_IOMMUFD works
/// until it is bound; then ATTACH/DETACH_IOMMUFD_PT move its DMA between IOASes, and the vfio-pci ioctls work.
/// </summary>
internal sealed unsafe class CdevDeviceFile : VfioPciDeviceFile
{
    private CdevBinding? _binding;

    public CdevDeviceFile(SimulatedKernel kernel, SimulatedPciFunction function)
        : base(kernel, function)
    {
        function.OpenDeviceFiles++;
    }

    public override string Description => "VFIO device cdev " + Function.CdevName + " (" + Function.Address + ")";

    private bool NoIommu => !Kernel.Options.Iommu;

    public override long Ioctl(ulong request, nint argument)
    {
        if (request == vfio.VFIO_DEVICE_BIND_IOMMUFD)
        {
            return Bind(argument);
        }

        if (_binding is null)
        {
            return -LinuxErrno.EINVAL;
        }

        return request switch
        {
            vfio.VFIO_DEVICE_ATTACH_IOMMUFD_PT => Attach(argument),
            vfio.VFIO_DEVICE_DETACH_IOMMUFD_PT => Detach(argument),
            _ => base.Ioctl(request, argument),
        };
    }

    public override void Release()
    {
        if (_binding is { } binding)
        {
            DetachNow(binding);
            if (binding.Iommufd is { } iommufd)
            {
                iommufd.Remove(binding.DeviceId);
                iommufd.ReleaseIfUnused();
            }

            Function.BoundCdev = null;
            Function.Dma.Physical = false;
        }

        base.Release();
    }

    private long Bind(nint argument)
    {
        if (argument == 0)
        {
            return -LinuxErrno.EFAULT;
        }

        // SAFETY: the caller passes a vfio_device_bind_iommufd; argsz is checked first.
        ref var bind = ref *(vfio_device_bind_iommufd*)argument;
        if (bind.argsz < 16 || (bind.flags & ~(uint)vfio.VFIO_DEVICE_BIND_FLAG_TOKEN) != 0 || bind.flags != 0)
        {
            // A VF token is for SR-IOV devices only.
            return -LinuxErrno.EINVAL;
        }

        if (_binding is not null || Function.BoundCdev is not null)
        {
            return -LinuxErrno.EINVAL;
        }

        if (Function.Group.OpenFile is not null || Function.Group.DeviceFiles > 0)
        {
            return -LinuxErrno.EBUSY;
        }

        IommufdFile? iommufd = null;
        if (bind.iommufd >= 0 || !NoIommu)
        {
            if (bind.iommufd < 0 || Kernel.FileOf(bind.iommufd) is not IommufdFile file)
            {
                return -LinuxErrno.EBADFD;
            }

            iommufd = file;
        }

        var deviceId = iommufd?.Add(id => new DeviceObject(id)) ?? 0;
        _binding = new CdevBinding(iommufd, deviceId);
        Function.BoundCdev = _binding;
        Function.Dma.Physical = NoIommu;
        bind.out_devid = deviceId;
        return 0;
    }

    private long Attach(nint argument)
    {
        if (argument == 0)
        {
            return -LinuxErrno.EFAULT;
        }

        // SAFETY: the caller passes a vfio_device_attach_iommufd_pt.
        ref var attach = ref *(vfio_device_attach_iommufd_pt*)argument;
        if (attach.argsz < 12 || (attach.flags & ~(uint)vfio.VFIO_DEVICE_ATTACH_PASID) != 0)
        {
            return -LinuxErrno.EINVAL;
        }

        var binding = _binding!;
        if (binding.Iommufd is not { } iommufd)
        {
            // A no-IOMMU device has no IOMMU to attach.
            return -LinuxErrno.EINVAL;
        }

        var ioas = iommufd.Find(attach.pt_id) switch
        {
            IoasObject found => found,
            HwptObject hwpt => hwpt.Ioas,
            null => null,
            _ => (IoasObject?)null,
        };
        if (ioas is null)
        {
            return iommufd.Find(attach.pt_id) is null ? -LinuxErrno.ENOENT : -LinuxErrno.EINVAL;
        }

        if (ioas.Table.Mappings.Any(m => ((m.Iova | m.Length) & 4095) != 0 || (m.Last >= 0xfee00000 && m.Iova <= 0xfeefffff) || m.Last > (1UL << 48) - 1))
        {
            return -LinuxErrno.EADDRINUSE;
        }

        DetachNow(binding);
        var hwptId = iommufd.Add(id => new HwptObject(id, ioas));
        binding.Attached = (HwptObject)iommufd.Find(hwptId)!;
        ioas.AttachedDevices++;
        Function.Dma.PageTable = ioas.Table;
        attach.pt_id = hwptId;
        return 0;
    }

    private long Detach(nint argument)
    {
        if (argument == 0)
        {
            return -LinuxErrno.EFAULT;
        }

        // SAFETY: the caller passes a vfio_device_detach_iommufd_pt.
        ref var detach = ref *(vfio_device_detach_iommufd_pt*)argument;
        if (detach.argsz < 8 || (detach.flags & ~(uint)vfio.VFIO_DEVICE_DETACH_PASID) != 0)
        {
            return -LinuxErrno.EINVAL;
        }

        DetachNow(_binding!);
        return 0;
    }

    private void DetachNow(CdevBinding binding)
    {
        if (binding.Attached is { } hwpt)
        {
            hwpt.Ioas.AttachedDevices--;
            binding.Iommufd?.Remove(hwpt.Id);
            binding.Attached = null;
            Function.Dma.PageTable = null;
        }
    }
}
