namespace VfioSharp.Model.Ioctls
{
    /// <summary>The direction bits encoded in the request number (<c>_IOC_DIR</c>), named as the kernel names them.</summary>
    public enum RequestDirection
    {
        /// <summary><c>_IOC_NONE</c>: <c>_IO</c>.</summary>
        None = 0,

        /// <summary><c>_IOC_WRITE</c>: <c>_IOW</c>, userspace writes the argument.</summary>
        Write = 1,

        /// <summary><c>_IOC_READ</c>: <c>_IOR</c>, userspace reads the argument.</summary>
        Read = 2,

        /// <summary><c>_IOC_READ|_IOC_WRITE</c>: <c>_IOWR</c>.</summary>
        ReadWrite = 3,
    }
}
