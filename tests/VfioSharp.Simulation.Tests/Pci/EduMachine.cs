using System.Buffers.Binary;
using VfioSharp.Handles;
using VfioSharp.Kernel;
using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.Edu;
using VfioSharp.Uapi;

namespace VfioSharp.Simulation.Tests.Pci;

/// <summary>
/// A simulated 6.17 machine with QEMU's edu at 0000:00:01.0 in IOMMU group 5, its group in a type1v2 container and
/// the device fd open: the state every device row of the misuse table starts from. Register and config accesses
/// are one-liners over pread/pwrite at the region offsets (index &lt;&lt; 40).
/// </summary>
internal sealed unsafe class EduMachine : IDisposable
{
    public const string Address = "0000:00:01.0";
    public const long Bar0 = 0;
    public const long Rom = 6L << 40;
    public const long Config = 7L << 40;
    public const long Vga = 8L << 40;

    public EduMachine(EduDevice? edu = null, SimulatedKernelOptions? options = null)
    {
        Edu = edu ?? new EduDevice();
        Kernel = new SimulatedKernel(options ?? new SimulatedKernelOptions { Profile = SimulatedKernelProfile.Linux617 });
        Kernel.AddPciDevice(Edu, Address, 5);
        Container = new ContainerHandle(Kernel, Kernel.Open("/dev/vfio/vfio", OpenFlags.ReadWrite));
        Group = new GroupHandle(Kernel, Kernel.Open(Kernel.Options.Iommu ? "/dev/vfio/5" : "/dev/vfio/noiommu-5", OpenFlags.ReadWrite));
        Assert.Equal(0, Group.TryVFIO_GROUP_SET_CONTAINER(Container.DangerousGetFd()));
        Assert.Equal(0, Container.TryVFIO_SET_IOMMU(Kernel.Options.Iommu ? vfio.VFIO_TYPE1v2_IOMMU : vfio.VFIO_NOIOMMU_IOMMU));
        Assert.True(Group.TryVFIO_GROUP_GET_DEVICE_FD(Address, out var device) >= 0);
        Device = device!;
    }

    public SimulatedKernel Kernel { get; }

    public EduDevice Edu { get; }

    public ContainerHandle Container { get; }

    public GroupHandle Group { get; }

    public DeviceHandle Device { get; }

    public int Fd => Device.DangerousGetFd();

    public void Dispose()
    {
        Device.Dispose();
        Group.Dispose();
        Container.Dispose();
    }

    /// <summary>VFIO_DEVICE_SET_IRQS with <paramref name="data"/> after the header; argsz covers exactly the data unless given.</summary>
    public long SetIrqs(uint flags, uint index, uint start, uint count, ReadOnlySpan<byte> data = default, uint? argsz = null)
    {
        Span<byte> buffer = stackalloc byte[20 + data.Length];
        var header = new vfio_irq_set { argsz = argsz ?? (uint)buffer.Length, flags = flags, index = index, start = start, count = count };
        MemoryMarshalWrite(buffer, header);
        data.CopyTo(buffer[20..]);
        fixed (byte* pointer = buffer)
        {
            // SAFETY: the buffer holds the header and the data for the duration of the call.
            return Kernel.Ioctl(Fd, vfio.VFIO_DEVICE_SET_IRQS, (nint)pointer);
        }
    }

    /// <summary>Routes an index's vectors to the given eventfds (DATA_EVENTFD | ACTION_TRIGGER).</summary>
    public long Trigger(uint index, params int[] fds)
    {
        var data = new byte[fds.Length * 4];
        for (var i = 0; i < fds.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(i * 4), fds[i]);
        }

        return SetIrqs(vfio.VFIO_IRQ_SET_DATA_EVENTFD | vfio.VFIO_IRQ_SET_ACTION_TRIGGER, index, 0, (uint)fds.Length, data);
    }

    public int EventFd()
    {
        var fd = Kernel.EventFd(0, EventFdFlags.NonBlocking);
        Assert.True(fd >= 0);
        return fd;
    }

    /// <summary>Reads and resets an eventfd's counter (0 when nothing was signalled).</summary>
    public ulong Drain(int eventFd)
    {
        Span<byte> count = stackalloc byte[8];
        var read = Kernel.Read(eventFd, count);
        return read == 8 ? BinaryPrimitives.ReadUInt64LittleEndian(count) : 0;
    }

    public uint Read32(long offset, long region = Bar0)
    {
        Span<byte> value = stackalloc byte[4];
        Assert.Equal(4, Kernel.PRead(Fd, value, region + offset));
        return BinaryPrimitives.ReadUInt32LittleEndian(value);
    }

    public ulong Read64(long offset)
    {
        Span<byte> value = stackalloc byte[8];
        Assert.Equal(8, Kernel.PRead(Fd, value, offset));
        return BinaryPrimitives.ReadUInt64LittleEndian(value);
    }

    public void Write32(long offset, uint value, long region = Bar0)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        Assert.Equal(4, Kernel.PWrite(Fd, bytes, region + offset));
    }

    public void Write64(long offset, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        Assert.Equal(8, Kernel.PWrite(Fd, bytes, offset));
    }

    public ushort ConfigWord(int offset)
    {
        Span<byte> value = stackalloc byte[2];
        Assert.Equal(2, Kernel.PRead(Fd, value, Config + offset));
        return BinaryPrimitives.ReadUInt16LittleEndian(value);
    }

    public void SetCommand(ushort command)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, command);
        Assert.Equal(2, Kernel.PWrite(Fd, bytes, Config + 4));
    }

    /// <summary>Anonymous memory mapped for DMA at <paramref name="iova"/>.</summary>
    public nint MapDma(ulong iova, ulong length)
    {
        var address = Kernel.Mmap(0, (nuint)length, MemoryProtection.Read | MemoryProtection.Write, MapFlags.Private | MapFlags.Anonymous, -1, 0);
        Assert.True(address > 0);
        var map = new vfio_iommu_type1_dma_map { flags = (uint)(vfio.VFIO_DMA_MAP_FLAG_READ | vfio.VFIO_DMA_MAP_FLAG_WRITE), vaddr = (ulong)address, iova = iova, size = length };
        Assert.Equal(0, Container.TryVFIO_IOMMU_MAP_DMA(ref map));
        return address;
    }

    public vfio_region_info RegionInfo(uint index, out long result, uint argsz = 32)
    {
        var info = new vfio_region_info { argsz = argsz, index = index };
        result = Device.TryVFIO_DEVICE_GET_REGION_INFO(ref info, setSize: false);
        return info;
    }

    private static void MemoryMarshalWrite(Span<byte> buffer, vfio_irq_set header)
        => System.Runtime.InteropServices.MemoryMarshal.Write(buffer, in header);
}
