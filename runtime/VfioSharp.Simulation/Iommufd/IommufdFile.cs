using System.Runtime.CompilerServices;
using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.Pci;
using VfioSharp.Uapi;

namespace VfioSharp.Simulation.Iommufd;

/// <summary>
/// An open <c>/dev/iommu</c> (<c>drivers/iommu/iommufd/main.c</c>, <c>ioas.c</c>, <c>device.c</c>): the object table,
/// the command table's size rules, the IOAS commands, and what VFIO device cdevs do through it (bind, attach,
/// detach, unbind). Numbers outside the command table go to the VFIO container compatibility handler.
/// </summary>
/// <remarks>
/// Every command works on a copy of the caller's struct, zero-filled past the caller's <c>size</c> as
/// <c>copy_struct_from_user</c> does, and writes back at most <c>size</c> bytes, and only where the kernel calls
/// <c>iommufd_ucmd_respond</c>: a failed command leaves the caller's struct as it was (IOVA_RANGES' EMSGSIZE excepted).
/// </remarks>
internal sealed unsafe class IommufdFile : SimulatedFile
{
    private readonly SortedDictionary<uint, IommufdObject> _objects = [];
    private readonly IommufdVfioCompat _compat;
    private bool _closed;

    public IommufdFile(SimulatedKernel kernel)
        : base(kernel)
    {
        _compat = new IommufdVfioCompat(this);
    }

    private delegate long Command<T>(ref T command, nint argument, uint size)
        where T : unmanaged;

    public override string Description => "iommufd (" + _objects.Count + " objects)";

    /// <summary>The IOAS the VFIO compat ioctls act on (<c>ictx-&gt;vfio_ioas</c>), set with IOMMU_VFIO_IOAS.</summary>
    public IoasObject? CompatIoas { get; private set; }

    /// <summary>IOMMU_OPTION_RLIMIT_MODE: false charges the user (the default), true the process's mm as type1 does.</summary>
    public bool AccountToMm { get; private set; }

    public IommufdObject? Find(uint id) => _objects.GetValueOrDefault(id);

    public override long Ioctl(ulong request, nint argument)
    {
        var number = (uint)(request & 0xff);
        if (number < IommufdCommand.CommandBase || number - IommufdCommand.CommandBase >= IommufdCommand.Table.Length)
        {
            return _compat.Ioctl(request, argument);
        }

        // iommufd_fops_ioctl: get_user(size) first, then the exact number, the minimum size, the zero tail.
        if (argument == 0)
        {
            return -LinuxErrno.EFAULT;
        }

        // SAFETY: every iommufd command starts with its __u32 size; a non-null argument points at least at that.
        var size = *(uint*)argument;
        var command = IommufdCommand.Table[number - IommufdCommand.CommandBase];
        if (command.Request != request)
        {
            return -LinuxErrno.ENOTTY;
        }

        if (size < command.MinimumSize)
        {
            return -LinuxErrno.EINVAL;
        }

        for (var i = command.Size; i < size; i++)
        {
            // SAFETY: the caller says its struct is `size` bytes long.
            if (((byte*)argument)[i] != 0)
            {
                return -LinuxErrno.E2BIG;
            }
        }

        return request switch
        {
            iommufd.IOMMU_DESTROY => Execute<iommu_destroy>(argument, size, Destroy),
            iommufd.IOMMU_IOAS_ALLOC => Execute<iommu_ioas_alloc>(argument, size, AllocateIoas),
            iommufd.IOMMU_IOAS_ALLOW_IOVAS => Execute<iommu_ioas_allow_iovas>(argument, size, AllowIovas),
            iommufd.IOMMU_IOAS_COPY => Execute<iommu_ioas_copy>(argument, size, Copy),
            iommufd.IOMMU_IOAS_IOVA_RANGES => Execute<iommu_ioas_iova_ranges>(argument, size, IovaRanges),
            iommufd.IOMMU_IOAS_MAP => Execute<iommu_ioas_map>(argument, size, Map),
            iommufd.IOMMU_IOAS_UNMAP => Execute<iommu_ioas_unmap>(argument, size, Unmap),
            iommufd.IOMMU_OPTION => Execute<iommu_option>(argument, size, Option),
            iommufd.IOMMU_VFIO_IOAS => Execute<iommu_vfio_ioas>(argument, size, VfioIoas),
            iommufd.IOMMU_GET_HW_INFO => Execute<iommu_hw_info>(argument, size, GetHwInfo),

            // HWPT allocation, dirty tracking, fault queues, file maps, vIOMMUs: not simulated (nothing in this
            // project uses them; edu has none of the hardware they need). A clear refusal rather than a guess.
            _ => -LinuxErrno.EOPNOTSUPP,
        };
    }

    public override void Release()
    {
        _closed = true;
        ReleaseIfUnused();
    }

    /// <summary>
    /// A bound device holds the iommufd's file (<c>iommufd_ctx_get</c>): the objects go only when the fd is closed and
    /// the last device is unbound, leaves first (<c>iommufd_fops_release</c>).
    /// </summary>
    public void ReleaseIfUnused()
    {
        if (!_closed || _objects.Values.Any(o => o is DeviceObject))
        {
            return;
        }

        foreach (var ioas in _objects.Values.OfType<IoasObject>().ToList())
        {
            ioas.Destroy();
        }

        _objects.Clear();
        CompatIoas = null;
    }

    /// <summary>
    /// The compat IOAS, made on first use (<c>iommufd_vfio_compat_ioas_id</c>): what a group gets when
    /// VFIO_GROUP_SET_CONTAINER is given a /dev/iommu fd (6.2+), and what the VFIO compat ioctls then act on.
    /// </summary>
    public IoasObject GetOrCreateCompatIoas() => CompatIoas ??= Add(id => new IoasObject(id, Kernel));

    /// <summary>The device part of VFIO_DEVICE_BIND_IOMMUFD (<c>iommufd_device_bind</c>): a device object and its id.</summary>
    public DeviceObject Bind(SimulatedPciFunction function, bool noIommu) => Add(id => new DeviceObject(id, function, noIommu));

    /// <summary>
    /// VFIO_DEVICE_ATTACH_IOMMUFD_PT (<c>iommufd_device_attach</c> / <c>iommufd_device_replace</c>): to an IOAS through
    /// its automatic HWPT (made on first use), or to a HWPT by id. A second attach replaces the first. On success
    /// <paramref name="ptId"/> holds the HWPT's id.
    /// </summary>
    public long Attach(DeviceObject device, ref uint ptId)
    {
        var target = Find(ptId);
        if (target is null)
        {
            return -LinuxErrno.ENOENT;
        }

        if (device.NoIommu)
        {
            return AttachNoIommu(device, target, ref ptId);
        }

        if (target is not (IoasObject or HwptObject))
        {
            return -LinuxErrno.EINVAL;
        }

        var current = device.Attached;
        var automatic = (target as IoasObject)?.Hwpts;
        var existing = target as HwptObject ?? (automatic is { Count: > 0 } ? automatic[0] : null);
        if (existing is not null && existing == current)
        {
            // iommufd_device_do_replace: the same page table again is a no-op.
            ptId = existing.Id;
            return 0;
        }

        HwptObject hwpt;
        if (existing is not null)
        {
            var reserved = ReserveUnlessShared(device, existing.Ioas, current);
            if (reserved != 0)
            {
                return reserved;
            }

            hwpt = existing;
        }
        else
        {
            var ioas = (IoasObject)target;
            hwpt = Add(id => new HwptObject(id, ioas));
            var made = current is null ? AttachNew(device, hwpt) : ReplaceNew(device, hwpt, current);
            if (made != 0)
            {
                _objects.Remove(hwpt.Id);
                return made;
            }
        }

        if (current is not null)
        {
            Leave(device, current, hwpt.Ioas);
        }

        hwpt.Devices++;
        device.Attached = hwpt;
        device.Function.Dma.PageTable = hwpt.Ioas.Table;
        ptId = hwpt.Id;
        return 0;
    }

    /// <summary>VFIO_DEVICE_DETACH_IOMMUFD_PT (<c>iommufd_device_detach</c>): nothing attached is not an error.</summary>
    public void Detach(DeviceObject device)
    {
        DetachAccess(device);
        if (device.Attached is { } hwpt)
        {
            Leave(device, hwpt, newIoas: null);
            device.Attached = null;
            device.Function.Dma.PageTable = null;
        }
    }

    /// <summary>The cdev fd closed (<c>iommufd_device_unbind</c>): detach, drop the device object, maybe the whole context.</summary>
    public void Unbind(DeviceObject device)
    {
        Detach(device);
        _objects.Remove(device.Id);
        ReleaseIfUnused();
    }

    /// <summary>Allocates an object with the lowest free id from 1, as <c>xa_alloc</c> with XA_FLAGS_ALLOC1 does.</summary>
    public T Add<T>(Func<uint, T> create)
        where T : IommufdObject
    {
        uint id = 1;
        while (_objects.ContainsKey(id))
        {
            id++;
        }

        var created = create(id);
        _objects.Add(id, created);
        return created;
    }

    /// <summary>
    /// A no-IOMMU cdev attached to an IOAS. Linux 7.3 accepts it and writes back a new object's id (IOAS 2 gave
    /// pt_id 3 in tests/kernel's C check); what that object does inside was not examined: here it only holds the
    /// IOAS (DESTROY is EBUSY), maps nothing, pins nothing, and the device's DMA stays physical.
    /// </summary>
    private long AttachNoIommu(DeviceObject device, IommufdObject target, ref uint ptId)
    {
        if (target is not IoasObject ioas)
        {
            return -LinuxErrno.ENOENT;
        }

        DetachAccess(device);
        var attachment = Add(id => new HwptObject(id, ioas) { Devices = 1 });
        ioas.Accesses++;
        device.NoIommuAttachment = attachment;
        ptId = attachment.Id;
        return 0;
    }

    private void DetachAccess(DeviceObject device)
    {
        if (device.NoIommuAttachment is { } attachment)
        {
            attachment.Ioas.Accesses--;
            _objects.Remove(attachment.Id);
            device.NoIommuAttachment = null;
        }
    }

    /// <summary>Writes the reply back: at most the caller's size (<c>iommufd_ucmd_respond</c>).</summary>
    private static void Respond<T>(nint argument, uint size, in T command)
        where T : unmanaged
    {
        var length = Math.Min(size, (uint)sizeof(T));

        // SAFETY: the caller's struct is `size` bytes long and `command` is a local of sizeof(T) bytes.
        fixed (T* source = &command)
        {
            Buffer.MemoryCopy(source, (void*)argument, length, length);
        }
    }

    /// <summary>Runs a command on a copy of the caller's struct, zero-filled past the caller's size.</summary>
    private static long Execute<T>(nint argument, uint size, Command<T> command)
        where T : unmanaged
    {
        T copy = default;
        var length = Math.Min(size, (uint)sizeof(T));

        // SAFETY: the caller's struct is `size` bytes long; the copy is sizeof(T) bytes.
        Buffer.MemoryCopy((void*)argument, Unsafe.AsPointer(ref copy), sizeof(T), length);
        return command(ref copy, argument, size);
    }

    private long Destroy(ref iommu_destroy command, nint argument, uint size)
    {
        switch (Find(command.id))
        {
            case null:
                return -LinuxErrno.ENOENT;

            // refcount_dec_if_one fails: a HWPT holds its IOAS, a device its HWPT, VFIO the device.
            case IoasObject { Hwpts.Count: > 0 } or IoasObject { Accesses: > 0 } or HwptObject { Devices: > 0 } or DeviceObject:
                return -LinuxErrno.EBUSY;
            case IoasObject ioas:
                ioas.Destroy();
                _objects.Remove(ioas.Id);
                if (CompatIoas == ioas)
                {
                    CompatIoas = null;
                }

                return 0;
            case HwptObject hwpt:
                hwpt.Ioas.RemoveDomain(hwpt);
                _objects.Remove(hwpt.Id);
                return 0;
            default:
                return -LinuxErrno.EBUSY;
        }
    }

    private long AllocateIoas(ref iommu_ioas_alloc command, nint argument, uint size)
    {
        if (command.flags != 0)
        {
            return -LinuxErrno.EOPNOTSUPP;
        }

        var ioas = Add(id => new IoasObject(id, Kernel));
        command.out_ioas_id = ioas.Id;
        Respond(argument, size, command);
        return 0;
    }

    private long AllowIovas(ref iommu_ioas_allow_iovas command, nint argument, uint size)
    {
        if (command.__reserved != 0)
        {
            return -LinuxErrno.EOPNOTSUPP;
        }

        if (Find(command.ioas_id) is not IoasObject ioas)
        {
            return -LinuxErrno.ENOENT;
        }

        // iommufd_ioas_load_iovas: each range must be non-empty and meet no range loaded before it.
        var allowed = new List<(ulong Start, ulong Last)>();
        for (var i = 0; i < command.num_iovas; i++)
        {
            if (command.allowed_iovas == 0)
            {
                return -LinuxErrno.EFAULT;
            }

            // SAFETY: the caller says allowed_iovas holds num_iovas ranges.
            var range = ((iommu_iova_range*)command.allowed_iovas)[i];
            if (range.start >= range.last || IovaSpans.Intersects(allowed, range.start, range.last))
            {
                return -LinuxErrno.EINVAL;
            }

            allowed.Add((range.start, range.last));
        }

        return ioas.SetAllowed(allowed);
    }

    private long Copy(ref iommu_ioas_copy command, nint argument, uint size)
    {
        const uint known = (uint)(iommufd_ioas_map_flags.IOMMU_IOAS_MAP_FIXED_IOVA | iommufd_ioas_map_flags.IOMMU_IOAS_MAP_WRITEABLE | iommufd_ioas_map_flags.IOMMU_IOAS_MAP_READABLE);
        const uint access = (uint)(iommufd_ioas_map_flags.IOMMU_IOAS_MAP_WRITEABLE | iommufd_ioas_map_flags.IOMMU_IOAS_MAP_READABLE);
        if ((command.flags & ~known) != 0)
        {
            return -LinuxErrno.EOPNOTSUPP;
        }

        if (command.length == ulong.MaxValue || command.src_iova == ulong.MaxValue || command.dst_iova == ulong.MaxValue)
        {
            return -LinuxErrno.EOVERFLOW;
        }

        if ((command.flags & access) == 0)
        {
            return -LinuxErrno.EINVAL;
        }

        if (Find(command.src_ioas_id) is not IoasObject source)
        {
            return -LinuxErrno.ENOENT;
        }

        var found = source.GetPages(command.src_iova, command.length, out var pieces);
        if (found != 0)
        {
            return found;
        }

        if (Find(command.dst_ioas_id) is not IoasObject destination)
        {
            return -LinuxErrno.ENOENT;
        }

        var iova = command.dst_iova;
        var writable = (command.flags & (uint)iommufd_ioas_map_flags.IOMMU_IOAS_MAP_WRITEABLE) != 0;
        var fixedIova = (command.flags & (uint)iommufd_ioas_map_flags.IOMMU_IOAS_MAP_FIXED_IOVA) != 0;
        var mapped = destination.Map(pieces, command.length, writable, fixedIova, ref iova);
        if (mapped != 0)
        {
            return mapped;
        }

        command.dst_iova = iova;
        Respond(argument, size, command);
        return 0;
    }

    private long IovaRanges(ref iommu_ioas_iova_ranges command, nint argument, uint size)
    {
        if (command.__reserved != 0)
        {
            return -LinuxErrno.EOPNOTSUPP;
        }

        if (Find(command.ioas_id) is not IoasObject ioas)
        {
            return -LinuxErrno.ENOENT;
        }

        var ranges = ioas.UsableRanges;
        var room = command.num_iovas;
        for (var i = 0; i < ranges.Count && i < room; i++)
        {
            if (command.allowed_iovas == 0)
            {
                return -LinuxErrno.EFAULT;
            }

            // SAFETY: the caller says allowed_iovas has room for num_iovas ranges.
            ((iommu_iova_range*)command.allowed_iovas)[i] = new iommu_iova_range { start = ranges[i].Start, last = ranges[i].Last };
        }

        // The reply (the count needed, the alignment) is written before EMSGSIZE: the two-call protocol relies on it.
        command.num_iovas = (uint)ranges.Count;
        command.out_iova_alignment = ioas.IovaAlignment;
        Respond(argument, size, command);
        return ranges.Count > room ? -LinuxErrno.EMSGSIZE : 0;
    }

    private long Map(ref iommu_ioas_map command, nint argument, uint size)
    {
        const uint known = (uint)(iommufd_ioas_map_flags.IOMMU_IOAS_MAP_FIXED_IOVA | iommufd_ioas_map_flags.IOMMU_IOAS_MAP_WRITEABLE | iommufd_ioas_map_flags.IOMMU_IOAS_MAP_READABLE);
        const uint access = (uint)(iommufd_ioas_map_flags.IOMMU_IOAS_MAP_WRITEABLE | iommufd_ioas_map_flags.IOMMU_IOAS_MAP_READABLE);

        // iommufd_ioas_map: flags, then the ULONG_MAX bounds, then the access bits, then the IOAS.
        if ((command.flags & ~known) != 0 || command.__reserved != 0)
        {
            return -LinuxErrno.EOPNOTSUPP;
        }

        if (command.iova == ulong.MaxValue || command.length == ulong.MaxValue)
        {
            return -LinuxErrno.EOVERFLOW;
        }

        if ((command.flags & access) == 0)
        {
            return -LinuxErrno.EINVAL;
        }

        if (Find(command.ioas_id) is not IoasObject ioas)
        {
            return -LinuxErrno.ENOENT;
        }

        var iova = command.iova;
        var writable = (command.flags & (uint)iommufd_ioas_map_flags.IOMMU_IOAS_MAP_WRITEABLE) != 0;
        var fixedIova = (command.flags & (uint)iommufd_ioas_map_flags.IOMMU_IOAS_MAP_FIXED_IOVA) != 0;
        var mapped = ioas.MapUser(command.user_va, command.length, writable, fixedIova, ref iova);
        if (mapped != 0)
        {
            return mapped;
        }

        command.iova = iova;
        Respond(argument, size, command);
        return 0;
    }

    private long Unmap(ref iommu_ioas_unmap command, nint argument, uint size)
    {
        if (Find(command.ioas_id) is not IoasObject ioas)
        {
            return -LinuxErrno.ENOENT;
        }

        long result;
        ulong unmapped;
        if (command.iova == 0 && command.length == ulong.MaxValue)
        {
            result = ioas.UnmapAll(out unmapped);
        }
        else if (command.iova == ulong.MaxValue || command.length == ulong.MaxValue)
        {
            return -LinuxErrno.EOVERFLOW;
        }
        else
        {
            result = ioas.Unmap(command.iova, command.length, out unmapped);
        }

        if (result != 0)
        {
            return result;
        }

        command.length = unmapped;
        Respond(argument, size, command);
        return 0;
    }

    private long Option(ref iommu_option command, nint argument, uint size)
    {
        if (command.__reserved != 0)
        {
            return -LinuxErrno.EOPNOTSUPP;
        }

        var result = command.option_id switch
        {
            (uint)iommufd_option.IOMMU_OPTION_RLIMIT_MODE => RlimitMode(ref command),
            (uint)iommufd_option.IOMMU_OPTION_HUGE_PAGES => HugePages(ref command),
            _ => -LinuxErrno.EOPNOTSUPP,
        };
        if (result == 0)
        {
            // Only val64 is copied back (iommufd_option).
            // SAFETY: val64 lies inside the minimum size (24) the caller's struct has.
            ((iommu_option*)argument)->val64 = command.val64;
        }

        return result;
    }

    /// <summary><c>iommufd_option_rlimit_mode</c>.</summary>
    private long RlimitMode(ref iommu_option command)
    {
        if (command.object_id != 0)
        {
            return -LinuxErrno.EOPNOTSUPP;
        }

        switch (command.op)
        {
            case (ushort)iommufd_option_ops.IOMMU_OPTION_OP_GET:
                command.val64 = AccountToMm ? 1UL : 0UL;
                return 0;
            case (ushort)iommufd_option_ops.IOMMU_OPTION_OP_SET:
                if (!Kernel.Options.Root)
                {
                    // CAP_SYS_RESOURCE.
                    return -LinuxErrno.EPERM;
                }

                if (_objects.Count > 0)
                {
                    return -LinuxErrno.EBUSY;
                }

                if (command.val64 > 1)
                {
                    return -LinuxErrno.EINVAL;
                }

                AccountToMm = command.val64 == 1;
                return 0;
            default:
                return -LinuxErrno.EOPNOTSUPP;
        }
    }

    /// <summary><c>iommufd_ioas_option</c> for IOMMU_OPTION_HUGE_PAGES on the IOAS <c>object_id</c>.</summary>
    private long HugePages(ref iommu_option command)
    {
        if (Find(command.object_id) is not IoasObject ioas)
        {
            return -LinuxErrno.ENOENT;
        }

        switch (command.op)
        {
            case (ushort)iommufd_option_ops.IOMMU_OPTION_OP_GET:
                command.val64 = ioas.LargePagesDisabled ? 0UL : 1UL;
                return 0;
            case (ushort)iommufd_option_ops.IOMMU_OPTION_OP_SET when command.val64 == 0:
                return ioas.DisableLargePages();
            case (ushort)iommufd_option_ops.IOMMU_OPTION_OP_SET when command.val64 == 1:
                ioas.EnableLargePages();
                return 0;
            case (ushort)iommufd_option_ops.IOMMU_OPTION_OP_SET:
                return -LinuxErrno.EINVAL;
            default:
                return -LinuxErrno.EOPNOTSUPP;
        }
    }

    /// <summary><c>iommufd_vfio_ioas</c>: which IOAS the VFIO compat ioctls use.</summary>
    private long VfioIoas(ref iommu_vfio_ioas command, nint argument, uint size)
    {
        if (command.__reserved != 0)
        {
            return -LinuxErrno.EOPNOTSUPP;
        }

        switch (command.op)
        {
            case (ushort)iommufd_vfio_ioas_op.IOMMU_VFIO_IOAS_GET:
                if (CompatIoas is null)
                {
                    return -LinuxErrno.ENODEV;
                }

                command.ioas_id = CompatIoas.Id;
                Respond(argument, size, command);
                return 0;
            case (ushort)iommufd_vfio_ioas_op.IOMMU_VFIO_IOAS_SET:
                if (Find(command.ioas_id) is not IoasObject ioas)
                {
                    return -LinuxErrno.ENOENT;
                }

                CompatIoas = ioas;
                return 0;
            case (ushort)iommufd_vfio_ioas_op.IOMMU_VFIO_IOAS_CLEAR:
                CompatIoas = null;
                return 0;
            default:
                return -LinuxErrno.EOPNOTSUPP;
        }
    }

    /// <summary><c>iommufd_get_hw_info</c> with intel-iommu's <c>intel_iommu_hw_info</c>: a <c>struct iommu_hw_info_vtd</c>.</summary>
    private long GetHwInfo(ref iommu_hw_info command, nint argument, uint size)
    {
        if ((command.flags & ~(uint)iommufd_hw_info_flags.IOMMU_HW_INFO_FLAG_INPUT_TYPE) != 0
            || command.__reserved[0] != 0 || command.__reserved[1] != 0 || command.__reserved[2] != 0)
        {
            return -LinuxErrno.EOPNOTSUPP;
        }

        // Without FLAG_INPUT_TYPE the type field is output only: the kernel clears it before asking the driver.
        var requested = (command.flags & (uint)iommufd_hw_info_flags.IOMMU_HW_INFO_FLAG_INPUT_TYPE) != 0
            ? command.in_data_type
            : (uint)iommu_hw_info_type.IOMMU_HW_INFO_TYPE_DEFAULT;
        if (Find(command.dev_id) is not DeviceObject)
        {
            return -LinuxErrno.ENOENT;
        }

        if (requested is not ((uint)iommu_hw_info_type.IOMMU_HW_INFO_TYPE_DEFAULT or (uint)iommu_hw_info_type.IOMMU_HW_INFO_TYPE_INTEL_VTD))
        {
            return -LinuxErrno.EOPNOTSUPP;
        }

        var data = new iommu_hw_info_vtd { cap_reg = IntelIommu.CapabilityRegister, ecap_reg = IntelIommu.ExtendedCapabilityRegister };
        var copied = Math.Min(command.data_len, (uint)sizeof(iommu_hw_info_vtd));
        if (command.data_len > 0 && command.data_uptr == 0)
        {
            return -LinuxErrno.EFAULT;
        }

        // SAFETY: the caller says data_uptr holds data_len bytes; the kernel copies what it has and zeroes the rest.
        var destination = new Span<byte>((void*)command.data_uptr, (int)command.data_len);
        new ReadOnlySpan<byte>(&data, (int)copied).CopyTo(destination);
        destination[(int)copied..].Clear();
        command.data_len = (uint)sizeof(iommu_hw_info_vtd);
        command.out_data_type = (uint)iommu_hw_info_type.IOMMU_HW_INFO_TYPE_INTEL_VTD;
        command.out_capabilities = 0;
        command.out_max_pasid_log2 = 0;
        Respond(argument, size, command);
        return 0;
    }

    /// <summary>
    /// Reserves the device's regions in the IOAS it joins, unless it already holds them there (a replace within
    /// the same IOAS keeps them: <c>iommufd_group_do_replace</c>).
    /// </summary>
    private static long ReserveUnlessShared(DeviceObject device, IoasObject ioas, HwptObject? current)
        => current?.Ioas == ioas ? 0 : ioas.ReserveDeviceRegions(device);

    /// <summary>A first attach makes the HWPT attached at once: the device's regions, then the domain (<c>iommufd_hwpt_paging_alloc</c>).</summary>
    private static long AttachNew(DeviceObject device, HwptObject hwpt)
    {
        var reserved = hwpt.Ioas.ReserveDeviceRegions(device);
        if (reserved != 0)
        {
            return reserved;
        }

        var added = hwpt.Ioas.AddDomain(hwpt);
        if (added != 0)
        {
            hwpt.Ioas.RemoveReserved(device);
        }

        return added;
    }

    /// <summary>A replace makes the domain first and then moves the device (<c>iommufd_device_do_replace</c>).</summary>
    private static long ReplaceNew(DeviceObject device, HwptObject hwpt, HwptObject current)
    {
        var added = hwpt.Ioas.AddDomain(hwpt);
        if (added != 0)
        {
            return added;
        }

        var reserved = ReserveUnlessShared(device, hwpt.Ioas, current);
        if (reserved != 0)
        {
            hwpt.Ioas.RemoveDomain(hwpt);
        }

        return reserved;
    }

    /// <summary>The device leaves <paramref name="hwpt"/>: its reservations go with it, and an automatic HWPT with its last device.</summary>
    private void Leave(DeviceObject device, HwptObject hwpt, IoasObject? newIoas)
    {
        if (newIoas != hwpt.Ioas)
        {
            hwpt.Ioas.RemoveReserved(device);
        }

        if (--hwpt.Devices == 0)
        {
            hwpt.Ioas.RemoveDomain(hwpt);
            _objects.Remove(hwpt.Id);
        }
    }
}
