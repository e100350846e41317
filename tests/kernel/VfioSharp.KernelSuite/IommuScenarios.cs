using VfioSharp.Dma;
using VfioSharp.Kernel;
using VfioSharp.Modes;
using static EduDriver.EduRegisters;

namespace VfioSharp.KernelSuite;

/// <summary>Group and cdev modes: the container or IOAS, its IOVA ranges, map/unmap, and the IOMMU stopping a stray DMA.</summary>
internal static class IommuScenarios
{
    public static Outcome Setup(GuestEnvironment guest)
    {
        using var open = OpenDevice.Open(guest);
        var container = open.Container;
        var cdev = guest.Mode == VfioMode.Cdev;
        return Outcome.Check(
            container.Mode == guest.Mode && container.State == Containers.ContainerState.Ready && container.IoasId.HasValue == cdev && open.Device.Container == container,
            $"{container.Mode} container {container.State}, IOAS {(container.IoasId is { } id ? id.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none")}, device {open.Device.State}");
    }

    public static Outcome IovaRanges(GuestEnvironment guest)
    {
        using var open = OpenDevice.Open(guest);
        var ranges = open.Container.IovaRanges;
        var text = string.Join(", ", ranges.Select(r => $"0x{r.Start:x}-0x{r.Last:x}"));
        // The intel-iommu reserves the interrupt window 0xfee00000-0xfeefffff (seen on 6.1 and 7.3: the first range ends at 0xfedfffff).
        var window = ranges.Any(r => r.Contains(0xfee0_0000, 1));
        return Outcome.Check(ranges.Count >= 1 && ranges.Any(r => r.Contains(0x10_0000, 4096)) && !window && open.Container.PageSize == 4096,
            $"{ranges.Count} range(s): {text}; page size {open.Container.PageSize}; interrupt window {(window ? "inside a range" : "excluded")}");
    }

    public static Outcome MapUnmap(GuestEnvironment guest)
    {
        using var open = OpenDevice.Open(guest);
        var container = open.Container;
        using var buffer = DmaBuffer.Allocate(LinuxKernel.Instance, 3 * 4096);
        var whole = container.Map(buffer);
        var listed = container.Mappings.Count == 1 && container.Mappings[0] == whole;
        // The same IOVA again must be refused by the kernel (EEXIST), through the non-throwing form.
        using var other = DmaBuffer.Allocate(LinuxKernel.Instance, 4096);
        var overlap = container.TryMap(other, whole.Iova, out _);
        container.Unmap(whole);
        // A mapping the container no longer has is refused before any syscall (ArgumentException, documented).
        string again;
        try
        {
            again = $"accepted ({Errno.FromResult(container.TryUnmap(whole))})";
        }
        catch (ArgumentException)
        {
            again = "refused by the runtime";
        }

        var partial = container.Map(buffer, 4096, 4096, 0x20_0000);
        var partialListed = container.Mappings.Count == 1 && partial.Iova == 0x20_0000 && partial.Length == 4096;
        container.Unmap(partial);
        return Outcome.Check(
            listed && overlap < 0 && again.StartsWith("refused", StringComparison.Ordinal) && partialListed && container.Mappings.Count == 0,
            $"mapped 0x{whole.Iova:x}+0x{whole.Length:x}; overlapping map {Errno.FromResult(overlap)}; second unmap {again}; partial map at 0x{partial.Iova:x}+0x{partial.Length:x}; {container.Mappings.Count} left");
    }

    public static Outcome UnmappedDmaBlocked(GuestEnvironment guest)
    {
        using var open = OpenDevice.Open(guest);
        using var interrupts = open.Device.Interrupts.EnableMsi();
        var edu = new EduEngine(open.Device, interrupts, intx: false);
        using var buffer = DmaBuffer.Allocate(LinuxKernel.Instance, 4096);
        var mapping = open.Container.Map(buffer);
        var iova = mapping.Iova;
        open.Container.Unmap(mapping);
        buffer.Span.Fill(0x5a);
        var completed = edu.Dma(DeviceBuffer, iova, 1024, toRam: true, out var detail);
        var untouched = !buffer.Span.ContainsAnyExcept((byte)0x5a);
        return Outcome.Check(completed && untouched, $"DMA to unmapped 0x{iova:x}: {detail}; memory {(untouched ? "untouched" : "WRITTEN")}");
    }
}
