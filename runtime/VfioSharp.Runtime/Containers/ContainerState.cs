namespace VfioSharp.Containers;

/// <summary>The states of a <see cref="VfioContainer"/>.</summary>
public enum ContainerState
{
    /// <summary>Group modes: no group has joined, so no IOMMU is set and nothing can be mapped.</summary>
    Empty,

    /// <summary>The IOMMU is set (group modes) or the IOAS exists (cdev modes): DMA can be mapped.</summary>
    Ready,

    /// <summary>Disposed.</summary>
    Released,
}
