namespace VfioSharp.Model.Ioctls
{
    /// <summary>Which way an ioctl's argument travels, seen from userspace.</summary>
    public enum ArgumentDirection
    {
        /// <summary>The kernel only reads it.</summary>
        In,

        /// <summary>The kernel only writes it.</summary>
        Out,

        /// <summary>The kernel reads it and writes (part of) it back.</summary>
        InOut,
    }
}
