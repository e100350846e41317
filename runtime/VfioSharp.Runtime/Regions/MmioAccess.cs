using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using VfioSharp.Devices;

namespace VfioSharp.Regions;

/// <summary>
/// Register access to one region of a device, each access exactly as wide as asked: a single load or store
/// through the mapping where the region is mmap'ed (<see cref="MappedRegion"/>), else a single pread/pwrite of
/// exactly 1, 2, 4 or 8 bytes at the region's offset in the device fd, which vfio-pci turns into one
/// ioread/iowrite of that width (vfio_pci_core_do_io_rw in drivers/vfio/pci/vfio_pci_rdwr.c: an aligned count
/// of 8, 4, 2 or 1 bytes is one access). Get one from <see cref="DeviceRegions.Access"/> (pread/pwrite only)
/// or <see cref="DeviceRegions.Map"/> (through the mapping where the kernel allows one).
/// </summary>
/// <remarks>
/// <para>
/// Checks: the device must not be released (<see cref="Lifecycle.InvalidStateException"/>); the offset must be
/// aligned to the width and the access must lie inside the region (<see cref="ArgumentOutOfRangeException"/>
/// naming the operation, region, offset, width and device): a misaligned MMIO access is split or faults,
/// depending on the CPU, and neither is what a driver meant.
/// </para>
/// <para>
/// Ordering, what a driver needs and what it gets: every mapped access is a <see cref="Volatile"/> load or store,
/// so the JIT neither merges, splits, moves later accesses before it, nor drops it; loads have acquire and
/// stores release semantics. vfio-pci maps BARs uncached (<c>pgprot_noncached</c> in vfio_pci_core_mmap): on
/// x86-64 that is UC, strongly ordered against every other access, and x86 never reorders a store with older
/// stores, so a DMA descriptor written to normal memory before a doorbell store reaches memory first
/// (a volatile store is a plain <c>mov</c> there). On arm64 the mapping is Device-nGnRE, a volatile store is
/// <c>stlr</c> (store-release: every earlier load and store is observed first) and a volatile load is
/// <c>ldar</c> (load-acquire: later accesses wait for it), which is what Linux's <c>writel</c>/<c>readl</c>
/// get from the <c>dma_wmb</c>/<c>dma_rmb</c> around a plain access, within the inner-shareable domain (.NET
/// exposes no outer-shareable <c>dmb osh</c>; on the arm64 servers and SoCs we know of, coherent DMA masters
/// are in that domain). Where the release/acquire pair does not cover an ordering (stores to normal memory that
/// a device polls without a doorbell, a read of DMA'd data that does not follow a register read) call
/// <see cref="Barrier"/>: a full fence (<c>lock or</c> / <c>dmb ish</c>), stronger than Linux's
/// <c>wmb</c>/<c>rmb</c> because .NET offers nothing weaker. pread/pwrite accesses need no barrier: the syscall
/// and the kernel's own <c>ioread</c>/<c>iowrite</c> order them. PCI writes are posted: to know one has
/// reached the device, read a register of the same device afterwards (<see cref="FlushPostedWrites"/>).
/// </para>
/// <para>
/// Threads: any number of threads may access a region at once (each access is one syscall or one load/store);
/// disposing a <see cref="MappedRegion"/> waits until the accesses that already passed their checks have
/// finished before it unmaps, so none touches unmapped memory. Values are little-endian, as PCI registers are;
/// the runtime runs on little-endian x86-64 and arm64 only.
/// </para>
/// </remarks>
public unsafe class MmioAccess
{
    private readonly MappedArea[] _areas;
    private int _inFlight;
    private int _closed;

    internal MmioAccess(VfioDevice device, RegionInfo info, MappedArea[] areas)
    {
        Device = device;
        Info = info;
        _areas = areas;
    }

    /// <summary>The region.</summary>
    public RegionInfo Info { get; }

    /// <summary>The mapped areas (empty when every access goes through pread/pwrite).</summary>
    public IReadOnlyList<MappedArea> Areas => _areas;

    /// <summary>The device the region belongs to.</summary>
    internal VfioDevice Device { get; }

    /// <summary>
    /// A full memory fence: every load and store before it is performed before any after it
    /// (<see cref="Interlocked.MemoryBarrier"/>: <c>lock or</c> on x86-64, <c>dmb ish</c> on arm64). See the
    /// remarks of <see cref="MmioAccess"/> for when a driver needs one.
    /// </summary>
    public static void Barrier() => Interlocked.MemoryBarrier();

    /// <summary>Reads 8 bits: one 1-byte access.</summary>
    /// <param name="offset">The offset in the region.</param>
    /// <returns>The value.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The access lies outside the region.</exception>
    /// <exception cref="VfioException">The kernel refused the pread.</exception>
    public byte Read8(ulong offset) => (byte)Read(offset, 1);

    /// <summary>Reads 16 bits: one 2-byte access.</summary>
    /// <param name="offset">The offset in the region, 2-byte aligned.</param>
    /// <returns>The value.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The offset is misaligned or the access lies outside the region.</exception>
    /// <exception cref="VfioException">The kernel refused the pread.</exception>
    public ushort Read16(ulong offset) => (ushort)Read(offset, 2);

    /// <summary>Reads 32 bits: one 4-byte access.</summary>
    /// <param name="offset">The offset in the region, 4-byte aligned.</param>
    /// <returns>The value.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The offset is misaligned or the access lies outside the region.</exception>
    /// <exception cref="VfioException">The kernel refused the pread.</exception>
    public uint Read32(ulong offset) => (uint)Read(offset, 4);

    /// <summary>Reads 64 bits: one 8-byte access (a device that takes only 32-bit accesses needs two <see cref="Read32"/>).</summary>
    /// <param name="offset">The offset in the region, 8-byte aligned.</param>
    /// <returns>The value.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The offset is misaligned or the access lies outside the region.</exception>
    /// <exception cref="VfioException">The kernel refused the pread.</exception>
    public ulong Read64(ulong offset) => Read(offset, 8);

    /// <summary>Writes 8 bits: one 1-byte access.</summary>
    /// <param name="offset">The offset in the region.</param>
    /// <param name="value">The value.</param>
    /// <exception cref="ArgumentOutOfRangeException">The access lies outside the region.</exception>
    /// <exception cref="VfioException">The kernel refused the pwrite.</exception>
    public void Write8(ulong offset, byte value) => Write(offset, 1, value);

    /// <summary>Writes 16 bits: one 2-byte access.</summary>
    /// <param name="offset">The offset in the region, 2-byte aligned.</param>
    /// <param name="value">The value.</param>
    /// <exception cref="ArgumentOutOfRangeException">The offset is misaligned or the access lies outside the region.</exception>
    /// <exception cref="VfioException">The kernel refused the pwrite.</exception>
    public void Write16(ulong offset, ushort value) => Write(offset, 2, value);

    /// <summary>Writes 32 bits: one 4-byte access.</summary>
    /// <param name="offset">The offset in the region, 4-byte aligned.</param>
    /// <param name="value">The value.</param>
    /// <exception cref="ArgumentOutOfRangeException">The offset is misaligned or the access lies outside the region.</exception>
    /// <exception cref="VfioException">The kernel refused the pwrite.</exception>
    public void Write32(ulong offset, uint value) => Write(offset, 4, value);

    /// <summary>Writes 64 bits: one 8-byte access.</summary>
    /// <param name="offset">The offset in the region, 8-byte aligned.</param>
    /// <param name="value">The value.</param>
    /// <exception cref="ArgumentOutOfRangeException">The offset is misaligned or the access lies outside the region.</exception>
    /// <exception cref="VfioException">The kernel refused the pwrite.</exception>
    public void Write64(ulong offset, ulong value) => Write(offset, 8, value);

    /// <summary>
    /// Makes sure the device has received every earlier write: PCI writes are posted, and a read of the same
    /// device does not complete before they do (PCI ordering rules). Reads 32 bits at <paramref name="readOffset"/>.
    /// </summary>
    /// <param name="readOffset">A register without read side effects (an identification register, say), 4-byte aligned.</param>
    public void FlushPostedWrites(ulong readOffset) => _ = Read(readOffset, 4, nameof(FlushPostedWrites));

    /// <inheritdoc/>
    public override string ToString() => $"{Info.Name} of {Device} ({Info.Size} bytes, {_areas.Length} mapped area(s))";

    /// <summary>
    /// Stops new accesses through the mapping and waits for those under way; true for the one caller that
    /// closed it (it then unmaps), false when it was closed already.
    /// </summary>
    private protected bool CloseMappings()
    {
        // Interlocked on both sides (here and in Enter): either an accessor sees the flag, or this sees its count.
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return false;
        }

        var spin = default(SpinWait);
        while (Volatile.Read(ref _inFlight) != 0)
        {
            spin.SpinOnce();
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Read(ulong offset, int width, [CallerMemberName] string operation = "")
    {
        Check(offset, width, operation);
        var address = Enter(offset, width);
        if (address is null)
        {
            return ReadThroughFile(offset, width, operation);
        }

        try
        {
            // SAFETY: Enter found an area of a live mapping that holds all `width` bytes at `address`, aligned to
            // `width` (the area starts page-aligned and the offset was checked), and keeps it mapped until Exit.
            return width switch
            {
                1 => Volatile.Read(ref *address),
                2 => Volatile.Read(ref *(ushort*)address),
                4 => Volatile.Read(ref *(uint*)address),
                _ => Volatile.Read(ref *(ulong*)address),
            };
        }
        finally
        {
            Exit();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Write(ulong offset, int width, ulong value, [CallerMemberName] string operation = "")
    {
        Check(offset, width, operation);
        var address = Enter(offset, width);
        if (address is null)
        {
            WriteThroughFile(offset, width, value, operation);
            return;
        }

        try
        {
            // SAFETY: as in Read: `address` holds `width` aligned bytes of a mapping kept alive until Exit.
            switch (width)
            {
                case 1:
                    Volatile.Write(ref *address, (byte)value);
                    break;
                case 2:
                    Volatile.Write(ref *(ushort*)address, (ushort)value);
                    break;
                case 4:
                    Volatile.Write(ref *(uint*)address, (uint)value);
                    break;
                default:
                    Volatile.Write(ref *(ulong*)address, value);
                    break;
            }
        }
        finally
        {
            Exit();
        }
    }

    private void Check(ulong offset, int width, string operation)
    {
        // A released device has unmapped its regions and closed its fd: say so, not "disposed" or EBADF.
        if (Device.Lifecycle.State == DeviceState.Released)
        {
            Device.Lifecycle.Require(nameof(VfioDevice.Regions));
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref _closed) != 0, this);
        if ((offset & (ulong)(width - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"{operation}: a {width}-byte access at offset 0x{offset:x} of {Info.Name} of {Device} is not {width}-byte aligned");
        }

        if (offset > Info.Size || Info.Size - offset < (ulong)width)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"{operation}: a {width}-byte access at offset 0x{offset:x} lies outside {Info.Name} of {Device} (0x{Info.Size:x} bytes)");
        }
    }

    /// <summary>The address of the access when it lies in a mapped area (held mapped until <see cref="Exit"/>), else null.</summary>
    private byte* Enter(ulong offset, int width)
    {
        foreach (var area in _areas)
        {
            if (area.Contains(offset, width))
            {
                Interlocked.Increment(ref _inFlight);
                if (Volatile.Read(ref _closed) != 0)
                {
                    Exit();
                    ObjectDisposedException.ThrowIf(true, this);
                }

                // SAFETY: pointer arithmetic only; the area holds [offset, offset + width) (Contains).
                return (byte*)area.Address + (offset - area.Offset);
            }
        }

        return null;
    }

    private void Exit() => Interlocked.Decrement(ref _inFlight);

    private ulong ReadThroughFile(ulong offset, int width, string operation)
    {
        Span<byte> bytes = stackalloc byte[8];
        bytes.Clear();
        var handle = Device.Handle;
        var referenced = false;
        try
        {
            // The reference keeps the fd number from being closed (and reused) during the call.
            handle.DangerousAddRef(ref referenced);
            var result = handle.Kernel.PRead(handle.DangerousGetFd(), bytes[..width], (long)(Info.Offset + offset));
            if (result != width)
            {
                throw Failed(result, offset, width, operation, write: false);
            }

            return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        }
        catch (ObjectDisposedException) when (!referenced)
        {
            Device.Lifecycle.Require(nameof(VfioDevice.Regions));
            throw;
        }
        finally
        {
            if (referenced)
            {
                handle.DangerousRelease();
            }
        }
    }

    private void WriteThroughFile(ulong offset, int width, ulong value, string operation)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        var handle = Device.Handle;
        var referenced = false;
        try
        {
            handle.DangerousAddRef(ref referenced);
            var result = handle.Kernel.PWrite(handle.DangerousGetFd(), bytes[..width], (long)(Info.Offset + offset));
            if (result != width)
            {
                throw Failed(result, offset, width, operation, write: true);
            }
        }
        catch (ObjectDisposedException) when (!referenced)
        {
            Device.Lifecycle.Require(nameof(VfioDevice.Regions));
            throw;
        }
        finally
        {
            if (referenced)
            {
                handle.DangerousRelease();
            }
        }
    }

    private VfioException Failed(long result, ulong offset, int width, string operation, bool write)
    {
        var step = $"{operation} (a {width}-byte {(write ? "pwrite" : "pread")}) at offset 0x{offset:x} of {Info.Name} of {Device}";
        return result < 0
            ? VfioException.From(result, step, result == -5 ? "EIO: the device does not decode the access (memory space disabled in the command register, or the device is in a low-power state or reset)" : null)
            : new VfioException($"{step}: the kernel transferred {result} of {width} bytes");
    }
}
