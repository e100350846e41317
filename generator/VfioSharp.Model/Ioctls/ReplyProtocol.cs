namespace VfioSharp.Model.Ioctls
{
    /// <summary>How a variable-size reply is obtained.</summary>
    public enum ReplyProtocol
    {
        /// <summary>The reply has a fixed size.</summary>
        None,

        /// <summary>The kernel reports the <c>argsz</c> it needs; the caller grows the buffer and calls again (VFIO capability chains).</summary>
        ArgszGrow,

        /// <summary>The kernel fails with ENOSPC and reports the element count it needs.</summary>
        CountGrow,

        /// <summary>The kernel fails with EMSGSIZE and reports the element count it needs (<c>IOMMU_IOAS_IOVA_RANGES</c>).</summary>
        Emsgsize,
    }
}
