namespace VfioSharp.Kernel;

/// <summary>Flags of <see cref="IKernel.EventFd"/>, with Linux x86_64's <c>EFD_*</c> values.</summary>
[Flags]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "A [Flags] enum named after the C flags it carries.")]
public enum EventFdFlags
{
    /// <summary>No flags: a blocking counter that a read resets to zero.</summary>
    None = 0,

    /// <summary><c>EFD_SEMAPHORE</c>: a read decrements the counter by one and returns 1.</summary>
    Semaphore = 1,

    /// <summary><c>EFD_NONBLOCK</c>: a read of a zero counter fails with <c>EAGAIN</c> instead of waiting.</summary>
    NonBlocking = 0x800,

    /// <summary><c>EFD_CLOEXEC</c>: the descriptor is closed across <c>execve</c>.</summary>
    CloseOnExec = 0x80000,
}
