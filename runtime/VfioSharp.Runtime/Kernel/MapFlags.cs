namespace VfioSharp.Kernel;

/// <summary>Flags of <see cref="IKernel.Mmap"/>, with Linux x86_64's <c>MAP_*</c> values.</summary>
/// <remarks>Every mapping is exactly one of <see cref="Shared"/> or <see cref="Private"/>, so this enum has no zero member.</remarks>
[Flags]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "A [Flags] enum named after the C flags it carries.")]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1008:Enums should have zero value", Justification = "MAP_* has no valid zero: every mapping is shared or private.")]
public enum MapFlags
{
    /// <summary><c>MAP_SHARED</c>: stores reach the file or device (how VFIO regions are mapped).</summary>
    Shared = 1,

    /// <summary><c>MAP_PRIVATE</c>: a copy-on-write mapping (how anonymous DMA memory is mapped).</summary>
    Private = 2,

    /// <summary><c>MAP_FIXED</c>: map exactly at the given address, replacing what is there.</summary>
    Fixed = 0x10,

    /// <summary><c>MAP_ANONYMOUS</c>: zero-filled memory backed by no file; the fd is -1.</summary>
    Anonymous = 0x20,

    /// <summary><c>MAP_LOCKED</c>: lock the pages in memory, as <c>mlock</c>.</summary>
    Locked = 0x2000,

    /// <summary><c>MAP_POPULATE</c>: fault the pages in before returning.</summary>
    Populate = 0x8000,

    /// <summary><c>MAP_HUGETLB</c>: back the mapping with huge pages.</summary>
    HugeTlb = 0x40000,
}
