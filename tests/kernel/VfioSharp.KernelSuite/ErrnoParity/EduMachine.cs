using System.Buffers.Binary;
using System.Runtime.InteropServices;
using VfioSharp.Handles;
using VfioSharp.Kernel;
using VfioSharp.Uapi;

namespace VfioSharp.KernelSuite.ErrnoParity;

/// <summary>
/// The guest's counterpart of the simulation tests' EduMachine: edu's device fd open in the boot's mode, the state
/// every device row of the misuse table starts from, with the SET_IRQS and region one-liners the rows use. In the
/// group modes the fd comes from the group in a container with the boot's IOMMU type (type1v2 or no-IOMMU); in the
/// cdev modes it is the cdev bound to a /dev/iommu fd of its own (vfio_df_open at BIND opens the device; regions and
/// interrupts need no IOAS). Eventfds a row creates are closed with the machine.
/// </summary>
internal sealed unsafe class EduMachine : IDisposable
{
    public const long Rom = 6L << 40;
    public const long Config = 7L << 40;
    public const long Vga = 8L << 40;

    private readonly List<IDisposable> _opened = [];
    private readonly List<int> _eventFds = [];

    public EduMachine(GuestEnvironment guest)
    {
        try
        {
            if (guest.ModeName is "group" or "noiommu-group")
            {
                var group = new GroupMachine(guest);
                _opened.Add(group);
                var (container, groupFd) = group.Joined(group.IommuType);
                _opened.Add(container);
                _opened.Add(groupFd);
                Device = group.OpenDevice(groupFd);
                FromGroup = true;
            }
            else
            {
                var iommufd = new CdevMachine();
                _opened.Add(iommufd);
                Device = CdevMachine.OpenCdev();
                Reply.Require(iommufd.Bind(Device, out _), "VFIO_DEVICE_BIND_IOMMUFD");
            }
        }
        catch
        {
            Device?.Dispose();
            Release();
            throw;
        }
    }

    /// <summary>Whether the device fd came from VFIO_GROUP_GET_DEVICE_FD (else it is the bound cdev).</summary>
    public bool FromGroup { get; }

    public static IKernel Kernel => LinuxKernel.Instance;

    public DeviceHandle Device { get; }

    public int Fd => Device.DangerousGetFd();

    /// <summary>VFIO_DEVICE_SET_IRQS with <paramref name="data"/> after the header; argsz covers exactly the data unless given.</summary>
    public long SetIrqs(uint flags, uint index, uint start, uint count, ReadOnlySpan<byte> data = default, uint? argsz = null)
    {
        Span<byte> buffer = stackalloc byte[20 + data.Length];
        var header = new vfio_irq_set { argsz = argsz ?? (uint)buffer.Length, flags = flags, index = index, start = start, count = count };
        MemoryMarshal.Write(buffer, in header);
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
        var fd = (int)Reply.Require(Kernel.EventFd(0, EventFdFlags.NonBlocking), "eventfd");
        _eventFds.Add(fd);
        return fd;
    }

    public vfio_region_info RegionInfo(uint index, out long result, uint argsz = 32)
    {
        var info = new vfio_region_info { argsz = argsz, index = index };
        result = Device.TryVFIO_DEVICE_GET_REGION_INFO(ref info, setSize: false);
        return info;
    }

    public ushort Command()
    {
        Span<byte> value = stackalloc byte[2];
        Reply.Require(Kernel.PRead(Fd, value, Config + 4), "reading the command register");
        return BinaryPrimitives.ReadUInt16LittleEndian(value);
    }

    public void SetCommand(ushort command)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, command);
        Reply.Require(Kernel.PWrite(Fd, bytes, Config + 4), "writing the command register");
    }

    /// <summary>mmap of the device fd: 0 when it mapped (and is unmapped again), else −errno.</summary>
    public long MapAndUnmap(nuint length, MapFlags flags, long offset, MemoryProtection protection = MemoryProtection.Read | MemoryProtection.Write)
    {
        var address = Kernel.Mmap(0, length, protection, flags, Fd, offset);
        if (address < 0)
        {
            return address;
        }

        _ = Kernel.Munmap(address, length);
        return 0;
    }

    public void Dispose()
    {
        Device.Dispose();
        foreach (var fd in _eventFds)
        {
            _ = Kernel.Close(fd);
        }

        Release();
    }

    /// <summary>Closes what was opened to reach the device, the last opened first.</summary>
    private void Release()
    {
        for (var i = _opened.Count - 1; i >= 0; i--)
        {
            _opened[i].Dispose();
        }

        _opened.Clear();
    }
}
