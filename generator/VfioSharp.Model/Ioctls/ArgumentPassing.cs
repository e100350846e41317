namespace VfioSharp.Model.Ioctls
{
    /// <summary>How the argument reaches the kernel in the third parameter of <c>ioctl(2)</c>.</summary>
    public enum ArgumentPassing
    {
        /// <summary>No argument is passed.</summary>
        None,

        /// <summary>A pointer to the argument.</summary>
        Pointer,

        /// <summary>The argument's value itself (e.g. <c>VFIO_SET_IOMMU</c>'s IOMMU type).</summary>
        Value,
    }
}
