using System.Text;
using VfioSharp.Kernel;
using VfioSharp.Simulation.Containers;
using VfioSharp.Simulation.EventFds;
using VfioSharp.Simulation.FileSystem;
using VfioSharp.Simulation.Groups;
using VfioSharp.Simulation.Iommufd;
using VfioSharp.Simulation.Memory;
using VfioSharp.Simulation.Pci;

namespace VfioSharp.Simulation.Core;

/// <summary>
/// An <see cref="IKernel"/> that implements VFIO (container, groups, device cdevs), iommufd, a sysfs tree and
/// vfio-pci devices in memory, answering every call as Linux does, errno for errno (runtime/misuse-table.json).
/// Memory it maps is real native memory, so the runtime and the simulated devices' DMA really read and write it.
/// </summary>
/// <remarks>
/// One lock serializes every call: simple, and enough for a simulation that must be right rather than fast.
/// <see cref="Poll"/> and blocking reads wait on that lock's monitor, and whatever makes a descriptor readable
/// (an eventfd written, an interrupt raised) wakes them.
/// </remarks>
public sealed class SimulatedKernel : IKernel
{
    private readonly SortedDictionary<int, SimulatedFile> _files = [];
    private readonly List<IommuFault> _faults = [];
    private readonly List<SimulatedPciFunction> _functions = [];

    /// <summary>Builds an empty machine: add devices with <see cref="AddPciDevice"/>.</summary>
    /// <param name="options">The machine; defaults to Linux 7 with an IOMMU, as root.</param>
    public SimulatedKernel(SimulatedKernelOptions? options = null)
    {
        Options = options ?? new SimulatedKernelOptions();
        FileSystem = new SimulatedFileSystem(this);
        Memory = new SimulatedMemory(this);
        FileSystem.AddText("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode", () => Options.EnableUnsafeNoIommuMode ? "Y\n" : "N\n");
        FileSystem.AddDeviceNode("/dev/vfio/vfio", () => new ContainerFile(this));
        if (Options.HasIommufd)
        {
            FileSystem.AddDeviceNode("/dev/iommu", () => new IommufdFile(this));
        }

        FileSystem.AddDeviceNode("/proc/self/pagemap", () => new PagemapFile(this));
        PciBus = new SimulatedPciBus(this);
    }

    /// <summary>The machine this kernel pretends to be.</summary>
    public SimulatedKernelOptions Options { get; }

    /// <summary>The descriptors open now, with what each refers to: empty after a run that leaked nothing.</summary>
    public IReadOnlyList<string> OpenDescriptors
    {
        get
        {
            lock (Gate)
            {
                return _files.Select(pair => $"fd {pair.Key}: {pair.Value.Description}").ToList();
            }
        }
    }

    /// <summary>The memory mappings (anonymous and device) the process holds now.</summary>
    public int MemoryMappingCount
    {
        get
        {
            lock (Gate)
            {
                return Memory.MappingCount;
            }
        }
    }

    /// <summary>The IOMMU mappings of every container and IOAS: empty after a run that leaked nothing.</summary>
    public int IommuMappingCount
    {
        get
        {
            lock (Gate)
            {
                return IoPageTables.Sum(table => table.Count);
            }
        }
    }

    /// <summary>
    /// Memory the process unmapped while an IOMMU mapping still referred to it: kept alive (as pinned pages are)
    /// until the IOMMU mapping goes. Zero after a run that unmapped DMA before freeing its buffers.
    /// </summary>
    public int RetainedUnmappedMemoryCount
    {
        get
        {
            lock (Gate)
            {
                return Memory.RetiredCount;
            }
        }
    }

    /// <summary>Bytes pinned for DMA, accounted against RLIMIT_MEMLOCK.</summary>
    public ulong LockedBytes
    {
        get
        {
            lock (Gate)
            {
                return Memory.LockedBytes;
            }
        }
    }

    /// <summary>DMAs that a device attempted to addresses nothing maps: they did not land.</summary>
    public IReadOnlyList<IommuFault> IommuFaults
    {
        get
        {
            lock (Gate)
            {
                return [.. _faults];
            }
        }
    }

    internal object Gate { get; } = new();

    internal SimulatedFileSystem FileSystem { get; }

    internal SimulatedMemory Memory { get; }

    /// <summary>The driver core's bind/unbind/drivers_probe/driver_override files.</summary>
    internal SimulatedPciBus PciBus { get; }

    /// <summary>Every live IOMMU page table (type1 containers, IOASes), for the mapping count.</summary>
    internal HashSet<IoPageTable> IoPageTables { get; } = [];

    internal IReadOnlyList<SimulatedPciFunction> Functions => _functions;

    internal Dictionary<int, SimulatedIommuGroup> IommuGroups { get; } = [];

    /// <summary>
    /// Plugs a PCI device in, bound to vfio-pci, and builds what Linux shows of it: sysfs, the IOMMU group
    /// (<c>/dev/vfio/N</c>, or <c>/dev/vfio/noiommu-N</c> without an IOMMU), the device cdev where the profile has one.
    /// </summary>
    /// <param name="device">The device.</param>
    /// <param name="address">Its PCI address, <c>DDDD:BB:DD.F</c>.</param>
    /// <param name="iommuGroup">Its IOMMU group number.</param>
    /// <param name="driver">
    /// The driver it is bound to: <c>vfio-pci</c>, or a host driver (then its group is not viable), which is also the
    /// driver that takes the device back when it leaves vfio-pci (its ID table matches the device); the empty string
    /// plugs it in unbound. A device plugged in on vfio-pci has no host driver (edu: Linux has none).
    /// </param>
    /// <param name="outsideIommu">
    /// Whether this device sits outside the IOMMU although the machine has one (an IOMMU that covers only some
    /// devices): it gets a no-IOMMU group, as on a machine without IOMMU. The group number's first device decides.
    /// </param>
    public void AddPciDevice(SimulatedPciDevice device, string address, int iommuGroup, string driver = "vfio-pci", bool outsideIommu = false)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(driver);
        if (driver == SimulatedPciBus.VfioPci && !Options.VfioPciLoaded)
        {
            throw new ArgumentException("vfio-pci is not loaded on this machine (SimulatedKernelOptions.VfioPciLoaded)", nameof(driver));
        }

        lock (Gate)
        {
            if (driver.Length > 0)
            {
                PciBus.Register(driver);
            }

            if (outsideIommu)
            {
                // The function joins the group that already exists under this number.
                _ = SimulatedIommuGroup.For(this, iommuGroup, noIommu: true);
            }

            var function = new SimulatedPciFunction(this, device, address, iommuGroup, driver, _functions.Count);
            _functions.Add(function);
            function.Publish();
        }
    }

    /// <summary>
    /// Asks the user of a device to give it back, as the host does when it unbinds vfio-pci from the device
    /// (<c>vfio_pci_core_request</c> signals the REQ eventfd the user registered with VFIO_DEVICE_SET_IRQS).
    /// </summary>
    /// <param name="address">The device's PCI address.</param>
    /// <returns>Whether a REQ eventfd was registered (then it was signalled).</returns>
    public bool RequestDevice(string address) => SignalSingle(address, error: false);

    /// <summary>
    /// Reports an uncorrectable PCI Express error on a device, as AER does (<c>vfio_pci_aer_err_detected</c>
    /// signals the ERR eventfd; only PCI Express devices have the ERR index).
    /// </summary>
    /// <param name="address">The device's PCI address.</param>
    /// <returns>Whether an ERR eventfd was registered (then it was signalled).</returns>
    public bool ReportDeviceError(string address) => SignalSingle(address, error: true);

    /// <summary>Records a DMA that found no mapping.</summary>
    internal void RecordFault(IommuFault fault) => _faults.Add(fault);

    /// <summary>Wakes every wait: something may have become readable.</summary>
    internal void Wake() => Monitor.PulseAll(Gate);

    private bool SignalSingle(string address, bool error)
    {
        ArgumentNullException.ThrowIfNull(address);
        lock (Gate)
        {
            var function = _functions.Find(f => f.Address == address)
                ?? throw new ArgumentException($"no device {address} in this machine", nameof(address));
            if ((error ? function.Interrupts.ErrorTrigger : function.Interrupts.RequestTrigger) is not { } trigger)
            {
                return false;
            }

            trigger.Signal();
            Wake();
            return true;
        }
    }

    internal int Install(SimulatedFile file)
    {
        var fd = 3;
        foreach (var used in _files.Keys)
        {
            if (used != fd)
            {
                break;
            }

            fd++;
        }

        _files.Add(fd, file);
        return fd;
    }

    internal SimulatedFile? FileOf(int fd) => _files.GetValueOrDefault(fd);

    /// <inheritdoc/>
    public int Open(string path, OpenFlags flags)
    {
        ArgumentNullException.ThrowIfNull(path);
        lock (Gate)
        {
            var opened = FileSystem.Open(path, flags, out var file);
            return opened < 0 ? opened : Install(file!);
        }
    }

    /// <inheritdoc/>
    public int Close(int fd)
    {
        lock (Gate)
        {
            if (!_files.Remove(fd, out var file))
            {
                return -LinuxErrno.EBADF;
            }

            file.Release();
            Wake();
            return 0;
        }
    }

    /// <inheritdoc/>
    public long Ioctl(int fd, ulong request, nint argument)
    {
        lock (Gate)
        {
            return FileOf(fd) is { } file ? file.Ioctl(request, argument) : -LinuxErrno.EBADF;
        }
    }

    /// <inheritdoc/>
    public nint Mmap(nint address, nuint length, MemoryProtection protection, MapFlags flags, int fd, long offset)
    {
        lock (Gate)
        {
            // do_mmap: exactly one of MAP_SHARED and MAP_PRIVATE, a length, a page-aligned offset. The hint address
            // is ignored (no MAP_FIXED here: the simulated process chooses no addresses).
            var sharing = flags & (MapFlags.Shared | MapFlags.Private);
            if (length == 0 || (offset & 0xfff) != 0 || sharing is not (MapFlags.Shared or MapFlags.Private) || (flags & MapFlags.Fixed) != 0)
            {
                return -LinuxErrno.EINVAL;
            }

            if ((flags & MapFlags.Anonymous) != 0)
            {
                return Memory.MapAnonymous(length, protection, flags);
            }

            return FileOf(fd) is { } file ? file.Mmap(length, protection, flags, offset) : -LinuxErrno.EBADF;
        }
    }

    /// <inheritdoc/>
    public int Munmap(nint address, nuint length)
    {
        lock (Gate)
        {
            return Memory.Unmap(address, length);
        }
    }

    /// <inheritdoc/>
    public int EventFd(uint initialValue, EventFdFlags flags)
    {
        const EventFdFlags known = EventFdFlags.Semaphore | EventFdFlags.NonBlocking | EventFdFlags.CloseOnExec;
        if ((flags & ~known) != 0)
        {
            return -LinuxErrno.EINVAL;
        }

        lock (Gate)
        {
            return Install(new EventFdFile(this, initialValue, flags));
        }
    }

    /// <inheritdoc/>
    public long Read(int fd, Span<byte> buffer)
    {
        lock (Gate)
        {
            return FileOf(fd) is { } file ? file.Read(buffer) : -LinuxErrno.EBADF;
        }
    }

    /// <inheritdoc/>
    public long Write(int fd, ReadOnlySpan<byte> buffer)
    {
        lock (Gate)
        {
            return FileOf(fd) is { } file ? file.Write(buffer) : -LinuxErrno.EBADF;
        }
    }

    /// <inheritdoc/>
    public long PRead(int fd, Span<byte> buffer, long offset)
    {
        lock (Gate)
        {
            return FileOf(fd) is { } file ? file.PRead(buffer, offset) : -LinuxErrno.EBADF;
        }
    }

    /// <inheritdoc/>
    public long PWrite(int fd, ReadOnlySpan<byte> buffer, long offset)
    {
        lock (Gate)
        {
            return FileOf(fd) is { } file ? file.PWrite(buffer, offset) : -LinuxErrno.EBADF;
        }
    }

    /// <inheritdoc/>
    public int Poll(Span<PollDescriptor> descriptors, int timeoutMilliseconds)
    {
        var deadline = timeoutMilliseconds < 0 ? long.MaxValue : Environment.TickCount64 + timeoutMilliseconds;
        lock (Gate)
        {
            while (true)
            {
                var ready = 0;
                for (var i = 0; i < descriptors.Length; i++)
                {
                    ref var descriptor = ref descriptors[i];
                    descriptor.ReturnedEvents = 0;
                    if (descriptor.Fd < 0)
                    {
                        continue;
                    }

                    if (FileOf(descriptor.Fd) is not { } file)
                    {
                        descriptor.ReturnedEvents = PollEvents.Invalid;
                    }
                    else
                    {
                        if (file.Readable && (descriptor.Events & PollEvents.In) != 0)
                        {
                            descriptor.ReturnedEvents |= PollEvents.In;
                        }

                        if (file.Writable && (descriptor.Events & PollEvents.Out) != 0)
                        {
                            descriptor.ReturnedEvents |= PollEvents.Out;
                        }
                    }

                    if (descriptor.ReturnedEvents != 0)
                    {
                        ready++;
                    }
                }

                var remaining = deadline - Environment.TickCount64;
                if (ready > 0 || remaining <= 0)
                {
                    return ready;
                }

                Monitor.Wait(Gate, (int)Math.Min(remaining, int.MaxValue));
            }
        }
    }

    /// <inheritdoc/>
    public int ReadText(string path, out string text)
    {
        ArgumentNullException.ThrowIfNull(path);
        lock (Gate)
        {
            return FileSystem.ReadText(path, out text);
        }
    }

    /// <inheritdoc/>
    public int ReadLink(string path, out string target)
    {
        ArgumentNullException.ThrowIfNull(path);
        lock (Gate)
        {
            return FileSystem.ReadLink(path, out target);
        }
    }

    /// <inheritdoc/>
    public int ListDirectory(string path, out IReadOnlyList<string> entries)
    {
        ArgumentNullException.ThrowIfNull(path);
        lock (Gate)
        {
            return FileSystem.ListDirectory(path, out entries);
        }
    }

    /// <summary>Encodes text the way sysfs returns it.</summary>
    internal static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
