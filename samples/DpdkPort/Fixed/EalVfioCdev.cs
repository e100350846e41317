// lib/eal/linux/eal_vfio_cdev.c of DPDK's VFIO cdev series (v8), ported: where the IOAS id comes
// from (the primary allocates it, a secondary asks the primary for it) and where it is used — the
// VFIO_DEVICE_ATTACH_IOMMUFD_PT and IOMMU_IOAS_MAP/UNMAP the review names — with VfioSharp's
// generated uapi records and typed ioctl calls.
using VfioSharp.Handles;
using VfioSharp.Kernel;
using VfioSharp.Uapi;

namespace DpdkPort;

internal sealed partial class EalVfio
{
    private const string DEV_VFIO_IOMMUFD_PATH = "/dev/iommu";

    /// <summary>Opens iommufd as the container: 0, 1 when the kernel has no iommufd, or -1.</summary>
    private int vfio_cdev_enable(ref Container cfg)
    {
        var iommufd = kernel.Open(DEV_VFIO_IOMMUFD_PATH, OpenFlags.ReadWrite);
        if (iommufd == -Errno.ENOENT.Value)
        {
            EalLog.Debug("IOMMUFD device does not exist, skipping VFIO cdev support...");
            return 1;
        }

        if (iommufd < 0)
        {
            EalLog.Error("Cannot open " + DEV_VFIO_IOMMUFD_PATH + ": " + Errno.FromResult(iommufd));
            return -1;
        }

        cfg.container_fd = iommufd;
        return 0;
    }

    /// <summary>The primary allocates the IOAS that its and its secondaries' devices are attached to.</summary>
    private int vfio_cdev_setup_ioas(ref Container cfg)
    {
        using var iommufd = new IommufdHandle(kernel, cfg.container_fd, ownsHandle: false);
        var ioas_alloc = new iommu_ioas_alloc { flags = 0 };
        var ret = iommufd.TryIOMMU_IOAS_ALLOC(ref ioas_alloc);
        if (ret < 0)
        {
            EalLog.Error("Cannot allocate IOAS, error " + Errno.FromResult(ret));
            return -1;
        }

        cfg.cdev_cfg.ioas_id = ioas_alloc.out_ioas_id;
        EalLog.Debug("Allocated IOAS with ID " + cfg.cdev_cfg.ioas_id);
        return 0;
    }

    /// <summary>
    /// A secondary takes the primary's IOAS id. (C: <c>vfio_cdev_sync_ioas(struct container *cfg)</c>,
    /// which writes <c>cfg->cdev_cfg.ioas_id</c> and nothing else; the port passes it the arm it
    /// fills, so that the store is seen where the call is.)
    /// </summary>
    private int vfio_cdev_sync_ioas(ref VfioCdevConfig cdev_cfg)
    {
        if (mp.request_ioas_id(out var ioas_id) == 0)
        {
            cdev_cfg.ioas_id = ioas_id;
            return 0;
        }

        EalLog.Error("Cannot request ioas_id");
        return -1;
    }

    /// <summary>Records a device of the container in cdev mode, by its /dev/vfio/devices/vfioX number.</summary>
    public int vfio_cdev_assign_device(int dev_num)
    {
        ref Container cfg = ref default_cfg;
        for (var i = 0; i < RTE_MAX_VFIO_DEVICES; i++)
        {
            ref VfioDevice dev = ref cfg.devices[i];
            if (dev.active)
            {
                continue;
            }

            dev.active = true;
            dev.dev_num = dev_num;
            dev.fd = -1;
            cfg.n_devices++;
            return vfio_cdev_setup_device(ref cfg, ref dev);
        }

        EalLog.Error("No space for another device");
        return -1;
    }

    /// <summary>Opens the device's cdev and attaches it to the container's IOAS.</summary>
    private int vfio_cdev_setup_device(ref Container cfg, ref VfioDevice dev)
    {
        var device_fd = kernel.Open("/dev/vfio/devices/vfio" + dev.dev_num, OpenFlags.ReadWrite);
        if (device_fd < 0)
        {
            EalLog.Error("Cannot open vfio" + dev.dev_num + ": " + Errno.FromResult(device_fd));
            return -1;
        }

        dev.fd = device_fd;

        /* attach device to iommufd */
        if (cdev_attach_device_to_iommufd(ref cfg, ref dev) < 0)
        {
            _ = kernel.Close(device_fd);
            dev.fd = -1;
            return -1;
        }

        return 0;
    }

    private int cdev_attach_device_to_iommufd(ref Container cfg, ref VfioDevice dev)
    {
        using var device = new DeviceHandle(kernel, dev.fd, ownsHandle: false);
        var bind = new vfio_device_bind_iommufd { flags = 0, iommufd = cfg.container_fd };
        var ret = device.TryVFIO_DEVICE_BIND_IOMMUFD(ref bind);
        if (ret < 0)
        {
            EalLog.Error("Cannot bind device to IOMMUFD, error " + Errno.FromResult(ret));
            return -1;
        }

        /* attach device to IOAS: with the id a secondary got from the primary, intact */
        var attach = new vfio_device_attach_iommufd_pt { flags = 0, pt_id = cfg.cdev_cfg.ioas_id };
        ret = device.TryVFIO_DEVICE_ATTACH_IOMMUFD_PT(ref attach);
        if (ret < 0)
        {
            EalLog.Error("Cannot attach device to IOAS, error " + Errno.FromResult(ret));
            return -1;
        }

        return 0;
    }

    /// <summary>Maps or unmaps memory for DMA in the container's IOAS (the cdev mode <c>dma_user_map_func</c>).</summary>
    public int vfio_cdev_dma_mem_map(ulong vaddr, ulong iova, ulong len, bool do_map)
    {
        ref Container cfg = ref default_cfg;
        using var iommufd = new IommufdHandle(kernel, cfg.container_fd, ownsHandle: false);
        if (do_map)
        {
            var ioas_map = new iommu_ioas_map
            {
                flags = (uint)(iommufd_ioas_map_flags.IOMMU_IOAS_MAP_FIXED_IOVA
                    | iommufd_ioas_map_flags.IOMMU_IOAS_MAP_READABLE
                    | iommufd_ioas_map_flags.IOMMU_IOAS_MAP_WRITEABLE),
                ioas_id = cfg.cdev_cfg.ioas_id,
                user_va = vaddr,
                length = len,
                iova = iova,
            };
            var ret = iommufd.TryIOMMU_IOAS_MAP(ref ioas_map);
            if (ret == -Errno.EEXIST.Value)
            {
                /* In case the mapping was already done EEXIST will be returned from kernel. */
                EalLog.Debug("Memory segment is already mapped, skipping");
            }
            else if (ret < 0)
            {
                EalLog.Error("Cannot set up DMA remapping, error " + Errno.FromResult(ret));
                return -1;
            }
        }
        else
        {
            var ioas_unmap = new iommu_ioas_unmap
            {
                ioas_id = cfg.cdev_cfg.ioas_id,
                length = len,
                iova = iova,
            };
            var ret = iommufd.TryIOMMU_IOAS_UNMAP(ref ioas_unmap);
            if (ret < 0)
            {
                EalLog.Error("Cannot clear DMA remapping, error " + Errno.FromResult(ret));
                return -1;
            }
        }

        return 0;
    }
}
