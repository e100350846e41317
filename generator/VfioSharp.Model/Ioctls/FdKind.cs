namespace VfioSharp.Model.Ioctls
{
    /// <summary>The kind of file descriptor an ioctl is issued on.</summary>
    public enum FdKind
    {
        /// <summary>Not known from the table: any fd (ioctls of headers outside VFIO/iommufd).</summary>
        Generic,

        /// <summary>A VFIO container, <c>/dev/vfio/vfio</c>.</summary>
        Container,

        /// <summary>A VFIO group, <c>/dev/vfio/N</c> or <c>/dev/vfio/noiommu-N</c>.</summary>
        Group,

        /// <summary>A VFIO device: from <c>VFIO_GROUP_GET_DEVICE_FD</c> or an open of <c>/dev/vfio/devices/vfioN</c>.</summary>
        Device,

        /// <summary>An iommufd, <c>/dev/iommu</c>.</summary>
        Iommufd,

        /// <summary>A migration data fd (<c>vfio_device_feature_mig_state.data_fd</c>).</summary>
        Migration,

        /// <summary>A dma-buf (returned by <c>VFIO_DEVICE_GET_GFX_DMABUF</c>).</summary>
        DmaBuf,
    }
}
