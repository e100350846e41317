using VfioSharp.Kernel;
using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.Iommufd;
using VfioSharp.Simulation.Pci;
using VfioSharp.Uapi;

namespace VfioSharp.Simulation.Cdev;

/// <summary>
/// An open <c>/dev/vfio/devices/vfioN</c> (<c>drivers/vfio/device_cdev.c</c>, <c>vfio_main.c</c>). Opening always
/// works; until VFIO_DEVICE_BIND_IOMMUFD succeeds every other ioctl, read, write and mmap is EINVAL
/// (<c>df-&gt;access_granted</c>). Bound, it answers ATTACH/DETACH_IOMMUFD_PT itself and hands everything else to
/// vfio-pci. Closing it detaches and unbinds.
/// </summary>
internal sealed unsafe class CdevDeviceFile(SimulatedKernel kernel, SimulatedPciFunction function) : VfioPciDeviceFile(kernel, function)
{
    /// <summary>sizeof(struct vfio_device_bind_iommufd) in 6.17: the size its tail is checked beyond.</summary>
    private const uint BindSize = 24;

    private CdevBinding? _binding;

    public override string Description => "VFIO device cdev " + Function.CdevName + " (" + Function.Address + ")" + (_binding is null ? ", not bound" : ", bound");

    /// <summary>
    /// The checks VFIO_DEVICE_BIND_IOMMUFD makes before it looks at the fd it came on (<c>vfio_df_ioctl_bind_iommufd</c>,
    /// 6.17 with the fix that checks the tail beyond sizeof, not minsz): EFAULT, EINVAL (argsz &lt; 16, unknown flags,
    /// iommufd &lt; 0), E2BIG (non-zero bytes past the struct). A group-obtained device fd answers these, then EINVAL.
    /// </summary>
    /// <param name="argument">The caller's struct.</param>
    /// <param name="bind">A copy of it, zero-filled past argsz.</param>
    /// <returns>0, or the negative errno.</returns>
    public static long CheckBindArguments(nint argument, out vfio_device_bind_iommufd bind)
    {
        bind = default;
        if (argument == 0)
        {
            return -LinuxErrno.EFAULT;
        }

        // SAFETY: the struct starts with its __u32 argsz; the caller's struct is argsz bytes long.
        var argsz = *(uint*)argument;
        if (argsz < 16)
        {
            return -LinuxErrno.EINVAL;
        }

        var length = Math.Min(argsz, BindSize);
        fixed (vfio_device_bind_iommufd* copy = &bind)
        {
            // SAFETY: as above; the copy is BindSize bytes.
            Buffer.MemoryCopy((void*)argument, copy, BindSize, length);
        }

        for (var i = BindSize; i < argsz; i++)
        {
            // SAFETY: as above.
            if (((byte*)argument)[i] != 0)
            {
                return -LinuxErrno.E2BIG;
            }
        }

        // iommufd = -1 is EINVAL for no-IOMMU devices too (seen on 7.3, tests/kernel/README.md).
        if (bind.iommufd < 0 || (bind.flags & ~(uint)vfio.VFIO_DEVICE_BIND_FLAG_TOKEN) != 0)
        {
            return -LinuxErrno.EINVAL;
        }

        return 0;
    }

    public override long Ioctl(ulong request, nint argument)
    {
        if (request == vfio.VFIO_DEVICE_BIND_IOMMUFD)
        {
            return Bind(argument);
        }

        if (_binding is not { } binding)
        {
            return -LinuxErrno.EINVAL;
        }

        return request switch
        {
            vfio.VFIO_DEVICE_ATTACH_IOMMUFD_PT => Attach(binding, argument),
            vfio.VFIO_DEVICE_DETACH_IOMMUFD_PT => Detach(binding, argument),
            _ => base.Ioctl(request, argument),
        };
    }

    public override long Read(Span<byte> buffer) => _binding is null ? -LinuxErrno.EINVAL : base.Read(buffer);

    public override long Write(ReadOnlySpan<byte> buffer) => _binding is null ? -LinuxErrno.EINVAL : base.Write(buffer);

    public override long PRead(Span<byte> buffer, long offset) => _binding is null ? -LinuxErrno.EINVAL : base.PRead(buffer, offset);

    public override long PWrite(ReadOnlySpan<byte> buffer, long offset) => _binding is null ? -LinuxErrno.EINVAL : base.PWrite(buffer, offset);

    public override nint Mmap(nuint length, MemoryProtection protection, MapFlags flags, long offset)
        => _binding is null ? -LinuxErrno.EINVAL : base.Mmap(length, protection, flags, offset);

    public override void Release()
    {
        if (_binding is not { } binding)
        {
            // Never bound: the device was never opened through this fd (vfio_df_unbind_iommufd returns at once).
            return;
        }

        // vfio_df_device_last_close: vfio-pci's close_device first, then the iommufd unbind (which detaches).
        base.Release();
        _binding = null;
        Function.BoundCdev = null;
        Function.Dma.Physical = false;
        binding.Iommufd.Unbind(binding.Device);
        Function.Dma.PageTable = null;
    }

    private bool NoIommu => !Kernel.Options.Iommu;

    private long Bind(nint argument)
    {
        var checkedArguments = CheckBindArguments(argument, out var bind);
        if (checkedArguments != 0)
        {
            return checkedArguments;
        }

        // vfio_device_block_group: the group path holds the group.
        if (Function.Group.OpenFile is not null)
        {
            return -LinuxErrno.EBUSY;
        }

        // One fd binds once; unbinding happens only at close.
        if (_binding is not null)
        {
            return -LinuxErrno.EINVAL;
        }

        // vfio_df_check_token: vfio_pci_core_match_token_uuid refuses a token for a device that is neither PF nor VF.
        if ((bind.flags & vfio.VFIO_DEVICE_BIND_FLAG_TOKEN) != 0)
        {
            return bind.token_uuid_ptr == 0 ? -LinuxErrno.EFAULT : -LinuxErrno.EINVAL;
        }

        // iommufd_ctx_from_fd.
        IommufdFile iommufd;
        switch (Kernel.FileOf(bind.iommufd))
        {
            case null:
                return -LinuxErrno.EBADF;
            case IommufdFile file:
                iommufd = file;
                break;
            default:
                return -LinuxErrno.EBADFD;
        }

        // vfio_df_open: only the group path may open a device twice.
        if (Function.OpenDeviceFiles != 0)
        {
            return -LinuxErrno.EINVAL;
        }

        // iommufd_device_bind: MSI isolation needs interrupt remapping (allow_unsafe_interrupts is off).
        if (!NoIommu && !Kernel.Options.InterruptRemapping)
        {
            return -LinuxErrno.EPERM;
        }

        // iommu_device_claim_dma_owner: a group's DMA belongs to one iommufd at a time.
        if (Function.Group.Functions.Any(f => f != Function && f.BoundCdev?.Iommufd is { } other && other != iommufd))
        {
            return -LinuxErrno.EBUSY;
        }

        // A no-IOMMU device binds too (7.3 returns a devid) and keeps using physical addresses.
        var device = iommufd.Bind(Function, NoIommu);
        _binding = new CdevBinding(iommufd, device);
        Function.BoundCdev = _binding;
        Function.OpenDeviceFiles++;
        Function.Dma.Physical = NoIommu;

        // Only out_devid is copied back.
        // SAFETY: argsz ≥ 16 covers out_devid at offset 12.
        ((vfio_device_bind_iommufd*)argument)->out_devid = device.Id;
        return 0;
    }

    private static long Attach(CdevBinding binding, nint argument)
    {
        if (argument == 0)
        {
            return -LinuxErrno.EFAULT;
        }

        // SAFETY: the caller passes a vfio_device_attach_iommufd_pt; minsz (12) bytes are read first.
        var attach = *(vfio_device_attach_iommufd_pt*)argument;
        if (attach.argsz < 12 || (attach.flags & ~(uint)vfio.VFIO_DEVICE_ATTACH_PASID) != 0)
        {
            return -LinuxErrno.EINVAL;
        }

        if ((attach.flags & vfio.VFIO_DEVICE_ATTACH_PASID) != 0)
        {
            // edu has no PASID capability; the errno of iommufd's PASID path for such a device was not verified
            // against a kernel (not a misuse-table row).
            return attach.argsz < 16 ? -LinuxErrno.EINVAL : -LinuxErrno.EOPNOTSUPP;
        }

        var ptId = attach.pt_id;
        var attached = binding.Iommufd.Attach(binding.Device, ref ptId);
        if (attached != 0)
        {
            return attached;
        }

        // SAFETY: pt_id lies inside minsz.
        ((vfio_device_attach_iommufd_pt*)argument)->pt_id = ptId;
        return 0;
    }

    private static long Detach(CdevBinding binding, nint argument)
    {
        if (argument == 0)
        {
            return -LinuxErrno.EFAULT;
        }

        // SAFETY: the caller passes a vfio_device_detach_iommufd_pt; minsz (8) bytes are read first.
        var detach = *(vfio_device_detach_iommufd_pt*)argument;
        if (detach.argsz < 8 || (detach.flags & ~(uint)vfio.VFIO_DEVICE_DETACH_PASID) != 0)
        {
            return -LinuxErrno.EINVAL;
        }

        if ((detach.flags & vfio.VFIO_DEVICE_DETACH_PASID) != 0)
        {
            // Nothing is ever attached on a PASID here; the PASID detach returns nothing.
            return detach.argsz < 12 ? -LinuxErrno.EINVAL : 0;
        }

        binding.Iommufd.Detach(binding.Device);
        return 0;
    }
}
