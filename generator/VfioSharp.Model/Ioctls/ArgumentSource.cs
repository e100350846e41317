namespace VfioSharp.Model.Ioctls
{
    /// <summary>Where the scanner learned an ioctl's argument.</summary>
    public enum ArgumentSource
    {
        /// <summary>The checked-in ioctl table (facts from the kernel's handlers).</summary>
        Table,

        /// <summary>The request's <c>_IOR/_IOW/_IOWR</c> type argument.</summary>
        Encoding,

        /// <summary>The kerneldoc comment that documents the ioctl.</summary>
        Kerneldoc,

        /// <summary>Nothing said: the argument is undetermined and was reported.</summary>
        Undetermined,
    }
}
