// lib/eal/linux/eal_vfio.c of DPDK's VFIO cdev series (v8), ported: the containers and the mode
// selection, whose secondary path is the review's Patch 18 finding. DPDK's globals (containers[],
// global_cfg) are the state of one EalVfio; the kernel is VfioSharp's IKernel.
using System.Runtime.CompilerServices;
using VfioSharp.Kernel;

namespace DpdkPort;

/// <summary>EAL's VFIO layer of one process.</summary>
internal sealed partial class EalVfio
{
    public const int RTE_MAX_VFIO_CONTAINERS = 64;
    public const int RTE_MAX_VFIO_GROUPS = 64;
    public const int RTE_MAX_VFIO_DEVICES = 256;

    private const string VFIO_CONTAINER_PATH = "/dev/vfio/vfio";
    private const string VFIO_NOIOMMU_MODE = "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode";

    private readonly IKernel kernel;
    private readonly IVfioMultiProcessChannel mp;
    private readonly RteProcType process_type;

    /// <summary><c>struct container containers[RTE_MAX_VFIO_CONTAINERS]</c>; the first is the default container.</summary>
    private readonly Container[] containers = new Container[RTE_MAX_VFIO_CONTAINERS];

    public EalVfio(IKernel kernel, IVfioMultiProcessChannel mp, RteProcType process_type)
    {
        this.kernel = kernel;
        this.mp = mp;
        this.process_type = process_type;
    }

    /// <summary><c>global_cfg.mode</c>: what <see cref="vfio_select_mode"/> chose.</summary>
    public RteVfioMode mode { get; private set; }

    /// <summary><c>global_cfg.default_cfg</c>.</summary>
    private ref Container default_cfg => ref containers[0];

    /// <summary><c>rte_vfio_enable</c>, as far as the mode goes.</summary>
    public int rte_vfio_enable()
    {
        mode = vfio_select_mode();
        return mode == RteVfioMode.RTE_VFIO_MODE_NONE ? -1 : 0;
    }

    /// <summary>Finds an unused container config: the default one first. Null when all are used.</summary>
    private ref Container vfio_container_create()
    {
        for (var i = 0; i < containers.Length; i++)
        {
            ref Container cfg = ref containers[i];
            if (!cfg.active)
            {
                /* CONTAINER_INITIALIZER */
                cfg = default;
                cfg.container_fd = -1;
                cfg.active = true;
                return ref cfg;
            }
        }

        /* no space */
        return ref Unsafe.NullRef<Container>();
    }

    private void vfio_container_erase(ref Container cfg)
    {
        if (cfg.container_fd >= 0)
        {
            _ = kernel.Close(cfg.container_fd);
        }

        cfg = default;
        cfg.container_fd = -1;
    }

    private RteVfioMode vfio_select_mode()
    {
        var mode = RteVfioMode.RTE_VFIO_MODE_NONE;

        ref Container cfg = ref vfio_container_create();
        /* cannot happen */
        if (Unsafe.IsNullRef(ref cfg) || !Unsafe.AreSame(ref cfg, ref default_cfg))
        {
            EalLog.Error("Unexpected VFIO config structure");
            return RteVfioMode.RTE_VFIO_MODE_NONE;
        }

        /* for secondary, just ask the primary for the container and mode */
        if (process_type != RteProcType.RTE_PROC_PRIMARY)
        {
            ref VfioGroupConfig group_cfg = ref cfg.group_cfg;

            if (vfio_sync_mode(out mode) < 0)
            {
                goto err;
            }

            /* if primary is in cdev mode, we need to sync ioas as well */
            if (mode == RteVfioMode.RTE_VFIO_MODE_CDEV && vfio_cdev_sync_ioas(ref cfg.cdev_cfg) < 0)
            {
                goto err;
            }

            /* primary handles DMA setup for default containers */
            // The review's fix: only the group arm has dma_setup_done; in cdev mode these bytes are ioas_id.
            if (mode == RteVfioMode.RTE_VFIO_MODE_GROUP || mode == RteVfioMode.RTE_VFIO_MODE_NOIOMMU)
            {
                group_cfg.dma_setup_done = true;
            }

            return mode;
        }

        /* try cdev mode first */
        if (vfio_cdev_enable(ref cfg) == 0)
        {
            if (vfio_cdev_setup_ioas(ref cfg) < 0)
            {
                goto err;
            }

            return RteVfioMode.RTE_VFIO_MODE_CDEV;
        }

        /* try group mode next */
        if (vfio_group_enable(ref cfg) == 0)
        {
            /* check for noiommu */
            var ret = vfio_group_noiommu_is_enabled();
            if (ret < 0)
            {
                goto err;
            }

            return ret == 1 ? RteVfioMode.RTE_VFIO_MODE_NOIOMMU : RteVfioMode.RTE_VFIO_MODE_GROUP;
        }

    err:
        vfio_container_erase(ref cfg);

        return RteVfioMode.RTE_VFIO_MODE_NONE;
    }

    /// <summary>
    /// Asks the primary which mode it is in. (C: <c>vfio_sync_mode(cfg, &amp;mode)</c>; the mode is
    /// all it syncs.)
    /// </summary>
    private int vfio_sync_mode(out RteVfioMode mode)
    {
        if (mp.request_mode(out mode) == 0)
        {
            return 0;
        }

        EalLog.Error("Cannot request VFIO mode");
        return -1;
    }

    /// <summary>Opens the group mode container: 0, 1 when group mode is not available, or -1.</summary>
    private int vfio_group_enable(ref Container cfg)
    {
        var container_fd = kernel.Open(VFIO_CONTAINER_PATH, OpenFlags.ReadWrite);
        if (container_fd < 0)
        {
            EalLog.Debug("VFIO container not found, skipping group mode");
            return 1;
        }

        cfg.container_fd = container_fd;
        return 0;
    }

    /// <summary>1 when VFIO runs without an IOMMU, 0 when not, -1 when unknown.</summary>
    private int vfio_group_noiommu_is_enabled()
    {
        if (kernel.ReadText(VFIO_NOIOMMU_MODE, out var text) < 0)
        {
            return 0;
        }

        return text.StartsWith('Y') ? 1 : 0;
    }
}
