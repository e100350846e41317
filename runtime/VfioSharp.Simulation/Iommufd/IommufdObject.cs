namespace VfioSharp.Simulation.Iommufd;

/// <summary>
/// An object in an iommufd's id table (<c>ictx-&gt;objects</c>): an IOAS, a hardware page table, a bound device.
/// Ids are per <c>/dev/iommu</c> file and reused: the kernel's <c>xa_alloc</c> hands out the lowest free id from 1.
/// </summary>
internal abstract class IommufdObject(uint id)
{
    public uint Id { get; } = id;

    /// <summary>What the object is, for messages and leak reports.</summary>
    public abstract string Kind { get; }

    public override string ToString() => Kind + " " + Id;
}
