namespace VfioSharp;

/// <summary>Which way an ioctl's argument travels, seen from userspace.</summary>
public enum IoctlArgumentDirection
{
    /// <summary>The ioctl takes no argument.</summary>
    None,

    /// <summary>The kernel only reads it.</summary>
    In,

    /// <summary>The kernel only writes it.</summary>
    Out,

    /// <summary>The kernel reads it and writes (part of) it back.</summary>
    InOut,
}
