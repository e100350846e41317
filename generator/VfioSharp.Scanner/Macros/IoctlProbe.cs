namespace VfioSharp.Scanner.Macros;

/// <summary>What re-expanding a macro with stand-ins for <c>_IO/_IOR/_IOW/_IOWR/_IOC</c> showed.</summary>
internal enum IoctlProbeKind
{
    /// <summary>Not a request: the expansion does not go through the ioctl encoders.</summary>
    NotIoctl,

    /// <summary><c>_IO(type, nr)</c>: no argument in the encoding.</summary>
    NoArgument,

    /// <summary><c>_IOR/_IOW/_IOWR(type, nr, T)</c>: the encoding names T.</summary>
    Argument,

    /// <summary><c>_IOC(dir, type, nr, size)</c> used directly: a size but no type.</summary>
    RawSize,
}

/// <summary>The probe result for one macro; <paramref name="Argument"/> is T as spelled, for <see cref="IoctlProbeKind.Argument"/>.</summary>
internal sealed record IoctlProbe(IoctlProbeKind Kind, string? Argument, bool ArgumentIsRecord);
