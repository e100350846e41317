namespace VfioSharp.KernelSuite.ErrnoParity;

/// <summary>The capabilities a row drops (include/uapi/linux/capability.h).</summary>
internal enum Capability
{
    /// <summary>CAP_IPC_LOCK: pinning memory without RLIMIT_MEMLOCK accounting.</summary>
    IpcLock = 14,

    /// <summary>CAP_SYS_RAWIO: no-IOMMU groups and cdevs.</summary>
    SysRawio = 17,

    /// <summary>CAP_SYS_RESOURCE: iommufd's IOMMU_OPTION_RLIMIT_MODE.</summary>
    SysResource = 24,
}
