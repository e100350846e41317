namespace VfioSharp.Kernel;

/// <summary>Flags of <see cref="IKernel.Open"/>, with Linux x86_64's <c>O_*</c> values.</summary>
[Flags]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "A [Flags] enum named after the C flags it carries.")]
public enum OpenFlags
{
    /// <summary><c>O_RDONLY</c>: open for reading.</summary>
    ReadOnly = 0,

    /// <summary><c>O_WRONLY</c>: open for writing.</summary>
    WriteOnly = 1,

    /// <summary><c>O_RDWR</c>: open for reading and writing (VFIO's container, group, device and iommufd fds).</summary>
    ReadWrite = 2,

    /// <summary><c>O_NONBLOCK</c>: operations that would wait fail with <c>EAGAIN</c> instead.</summary>
    NonBlocking = 0x800,

    /// <summary><c>O_CLOEXEC</c>: the descriptor is closed across <c>execve</c>.</summary>
    CloseOnExec = 0x80000,
}
