namespace VfioSharp.Kernel;

/// <summary>The access a mapping allows (<c>PROT_*</c> of <see cref="IKernel.Mmap"/>).</summary>
[Flags]
public enum MemoryProtection
{
    /// <summary><c>PROT_NONE</c>: no access.</summary>
    None = 0,

    /// <summary><c>PROT_READ</c>: the mapping can be read.</summary>
    Read = 1,

    /// <summary><c>PROT_WRITE</c>: the mapping can be written.</summary>
    Write = 2,

    /// <summary><c>PROT_EXEC</c>: the mapping can be executed.</summary>
    Execute = 4,
}
