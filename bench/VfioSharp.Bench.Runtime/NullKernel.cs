using System.Runtime.InteropServices;
using VfioSharp.Kernel;
using VfioSharp.Uapi;

namespace VfioSharp.Bench.Runtime;

/// <summary>
/// A kernel that does nothing but say yes: just enough answers for the runtime to believe a group-mode
/// container with type1v2 holds an edu device (API version 0, every extension present, the group viable).
/// What is left of a benchmark over it is the runtime's own cost.
/// </summary>
internal sealed unsafe class NullKernel : IKernel
{
    public int Open(string path, OpenFlags flags) => 100;

    public int Close(int fd) => 0;

    public long Ioctl(int fd, ulong request, nint argument)
    {
        switch (request)
        {
            case vfio.VFIO_CHECK_EXTENSION:
                return 1;
            case vfio.VFIO_GROUP_GET_STATUS:
                // SAFETY: the runtime passes a vfio_group_status.
                ((vfio_group_status*)argument)->flags = vfio.VFIO_GROUP_FLAGS_VIABLE;
                return 0;
            case vfio.VFIO_GROUP_GET_DEVICE_FD:
                return 101;
            default:
                return 0;
        }
    }

    public nint Mmap(nint address, nuint length, MemoryProtection protection, MapFlags flags, int fd, long offset)
        => (nint)NativeMemory.AlignedAlloc(length, 4096);

    public int Munmap(nint address, nuint length)
    {
        NativeMemory.AlignedFree((void*)address);
        return 0;
    }

    public int EventFd(uint initialValue, EventFdFlags flags) => 102;

    public long Read(int fd, Span<byte> buffer) => buffer.Length;

    public long Write(int fd, ReadOnlySpan<byte> buffer) => buffer.Length;

    public long PRead(int fd, Span<byte> buffer, long offset) => buffer.Length;

    public long PWrite(int fd, ReadOnlySpan<byte> buffer, long offset) => buffer.Length;

    public int Poll(Span<PollDescriptor> descriptors, int timeoutMilliseconds) => 0;

    public int ReadText(string path, out string text)
    {
        text = "0x1234\n";
        return 0;
    }

    public int ReadLink(string path, out string target)
    {
        target = path.EndsWith("iommu_group", StringComparison.Ordinal) ? "../../../kernel/iommu_groups/5" : "../../../bus/pci/drivers/vfio-pci";
        return 0;
    }

    public int ListDirectory(string path, out IReadOnlyList<string> entries)
    {
        entries = path switch
        {
            "/dev/vfio" => ["5", "vfio"],
            "/dev" => ["vfio"],
            _ => [],
        };
        return 0;
    }
}
