using VfioSharp.Kernel;

namespace VfioSharp.KernelSuite.ErrnoParity;

/// <summary>Anonymous memory a row maps for DMA, unmapped when the row ends (rows share this process).</summary>
internal sealed class GuestMemory : IDisposable
{
    private readonly List<(nint Address, nuint Length)> _mappings = [];

    /// <summary>Fresh anonymous memory, touched so every page exists before the kernel is asked to pin it.</summary>
    public nint Buffer(ulong length, MemoryProtection protection = MemoryProtection.Read | MemoryProtection.Write)
    {
        var address = LinuxKernel.Instance.Mmap(0, (nuint)length, protection, MapFlags.Private | MapFlags.Anonymous | MapFlags.Populate, -1, 0);
        if (address <= 0)
        {
            throw new InvalidOperationException($"mmap of {length} bytes: {Errno.FromResult(address)}");
        }

        _mappings.Add((address, (nuint)length));
        return address;
    }

    public void Dispose()
    {
        foreach (var (address, length) in _mappings)
        {
            _ = LinuxKernel.Instance.Munmap(address, length);
        }

        _mappings.Clear();
    }
}
