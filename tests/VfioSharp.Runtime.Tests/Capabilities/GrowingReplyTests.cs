using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VfioSharp.Capabilities;
using VfioSharp.Handles;
using VfioSharp.Kernel;
using VfioSharp.Runtime.Tests.Infrastructure;
using VfioSharp.Uapi;

namespace VfioSharp.Runtime.Tests.Capabilities;

/// <summary>
/// VFIO's grow-and-retry protocol against a kernel that answers as vfio_pci_core's GET_INFO does: when argsz
/// is too small it fills the fixed part, sets VFIO_DEVICE_FLAGS_CAPS and raises argsz; otherwise it also
/// writes the capability chain after the record.
/// </summary>
public sealed unsafe class GrowingReplyTests
{
    private static readonly int InfoSize = Unsafe.SizeOf<vfio_device_info>();
    private static readonly int HeaderSize = Unsafe.SizeOf<vfio_info_cap_header>();

    [Fact]
    public void A_reply_larger_than_the_first_guess_is_fetched_with_a_second_call_of_the_size_the_kernel_asked_for()
    {
        const int Needed = 1500;
        var kernel = new RecordingKernel();
        var argszSeen = new List<uint>();
        kernel.IoctlBehavior = (_, _, argument) => AnswerGetInfo((byte*)argument, argszSeen, Needed, chain: [(VFIO_DEVICE_INFO_CAP_ZPCI_BASE, 600), (VFIO_DEVICE_INFO_CAP_ZPCI_GROUP, 900)]);
        using var device = new DeviceHandle(kernel, 5);

        var result = device.TryVFIO_DEVICE_GET_INFO(new vfio_device_info(), out var reply);

        using (reply)
        {
            Assert.Equal(0, result);
            Assert.Equal([1024u, (uint)Needed], argszSeen);
            Assert.Equal(Needed, reply.Bytes.Length);
            Assert.Equal((uint)Needed, reply.Value.argsz);
            var ids = new List<ushort>();
            foreach (var capability in reply.Capabilities())
            {
                ids.Add(capability.Id);
            }

            Assert.Equal([VFIO_DEVICE_INFO_CAP_ZPCI_BASE, VFIO_DEVICE_INFO_CAP_ZPCI_GROUP], ids);
            Assert.True(reply.Capabilities().TryFind(VFIO_DEVICE_INFO_CAP_ZPCI_GROUP, out var group));
            Assert.Equal(900, group.Offset);
        }
    }

    [Fact]
    public void A_reply_without_capabilities_has_an_empty_chain()
    {
        var kernel = new RecordingKernel { IoctlBehavior = (_, _, argument) => AnswerGetInfo((byte*)argument, [], InfoSize, chain: []) };
        using var device = new DeviceHandle(kernel, 5);

        using var reply = device.VFIO_DEVICE_GET_INFO(new vfio_device_info());

        var count = 0;
        foreach (var capability in reply.Capabilities())
        {
            count++;
        }

        Assert.Equal(0, count);
        Assert.Single(kernel.Ioctls);
    }

    [Fact]
    public void A_failing_call_returns_the_errno_and_the_throwing_form_names_it()
    {
        var kernel = new RecordingKernel { IoctlResult = -Errno.ENOTTY.Value };
        using var device = new DeviceHandle(kernel, 5);

        Assert.Equal(-Errno.ENOTTY.Value, device.TryVFIO_DEVICE_GET_INFO(new vfio_device_info(), out _));
        var exception = Assert.Throws<VfioSharp.Ioctls.IoctlException>(() => device.VFIO_DEVICE_GET_INFO(new vfio_device_info()).Dispose());
        Assert.Equal(Errno.ENOTTY, exception.Errno);
        Assert.Equal("VFIO_DEVICE_GET_INFO", exception.Ioctl);
    }

    [Fact]
    public void A_successful_growing_call_allocates_nothing_once_the_pool_is_warm()
    {
        // The chain is built once: the fake kernel itself must not allocate per call either.
        (ushort, int)[] chain = [(VFIO_DEVICE_INFO_CAP_ZPCI_BASE, 600)];
        var kernel = new RecordingKernel { IoctlBehavior = (_, _, argument) => AnswerGetInfo((byte*)argument, null, 1500, chain) };
        using var device = new DeviceHandle(kernel, 5);
        for (var i = 0; i < 300; i++)
        {
            _ = device.TryVFIO_DEVICE_GET_INFO(new vfio_device_info(), out var warm);
            warm.Dispose();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 50; i++)
        {
            _ = device.TryVFIO_DEVICE_GET_INFO(new vfio_device_info(), out var reply);
            foreach (var capability in reply.Capabilities())
            {
                _ = capability.Id;
            }

            reply.Dispose();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>Plays vfio_pci_core_ioctl_info: fixed part always; the chain only when argsz covers it.</summary>
    private static long AnswerGetInfo(byte* argument, List<uint>? argszSeen, int needed, (ushort Id, int Offset)[] chain)
    {
        var argsz = *(uint*)argument;
        argszSeen?.Add(argsz);
        var info = new vfio_device_info { argsz = (uint)needed, num_regions = 9, num_irqs = 5 };
        if (chain.Length > 0)
        {
            info.flags = VFIO_DEVICE_FLAGS_CAPS;
        }

        if (argsz >= needed)
        {
            info.cap_offset = chain.Length > 0 ? (uint)chain[0].Offset : 0;
            for (var i = 0; i < chain.Length; i++)
            {
                var header = new vfio_info_cap_header { id = chain[i].Id, version = 1, next = i + 1 < chain.Length ? (uint)chain[i + 1].Offset : 0 };
                MemoryMarshal.Write(new Span<byte>(argument + chain[i].Offset, HeaderSize), in header);
            }
        }

        MemoryMarshal.Write(new Span<byte>(argument, InfoSize), in info);
        return 0;
    }

    private const ushort VFIO_DEVICE_INFO_CAP_ZPCI_BASE = (ushort)vfio.VFIO_DEVICE_INFO_CAP_ZPCI_BASE;
    private const ushort VFIO_DEVICE_INFO_CAP_ZPCI_GROUP = (ushort)vfio.VFIO_DEVICE_INFO_CAP_ZPCI_GROUP;
    private const uint VFIO_DEVICE_FLAGS_CAPS = (uint)vfio.VFIO_DEVICE_FLAGS_CAPS;
}
