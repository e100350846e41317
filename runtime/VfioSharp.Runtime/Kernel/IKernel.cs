namespace VfioSharp.Kernel;

/// <summary>
/// The only way the runtime reaches the operating system: <see cref="LinuxKernel"/> in production,
/// a simulated kernel in tests.
/// </summary>
/// <remarks>
/// Every method follows the kernel's own convention: it returns a non-negative result on success or a
/// negative errno (<c>-EINVAL</c>) on failure. Kernel errors are values, never exceptions, and a successful
/// call allocates nothing (except where the result is a new string or list). <see cref="Errno.FromResult"/>
/// turns a negative result into an <see cref="Errno"/>.
/// <para>
/// Implementations must be safe to call from several threads at once: handles are used from any thread, and a
/// handle that was never disposed is closed from the finalizer thread.
/// </para>
/// </remarks>
public interface IKernel
{
    /// <summary>Opens a file, as <c>open(2)</c>.</summary>
    /// <param name="path">The path to open.</param>
    /// <param name="flags">Access mode and flags.</param>
    /// <returns>The new file descriptor, or <c>-errno</c>.</returns>
    int Open(string path, OpenFlags flags);

    /// <summary>Closes a file descriptor, as <c>close(2)</c>.</summary>
    /// <param name="fd">The descriptor to close.</param>
    /// <returns>0, or <c>-errno</c>. On Linux the descriptor is released even when this reports an error.</returns>
    int Close(int fd);

    /// <summary>Issues an ioctl, as <c>ioctl(2)</c>.</summary>
    /// <param name="fd">The descriptor the request is addressed to.</param>
    /// <param name="request">The request number (<c>_IO</c>/<c>_IOR</c>/<c>_IOW</c>/<c>_IOWR</c> encoded).</param>
    /// <param name="argument">A pointer to the argument record, or a plain value, as the request defines.</param>
    /// <returns>The request's non-negative result, or <c>-errno</c>.</returns>
    long Ioctl(int fd, ulong request, nint argument);

    /// <summary>Maps memory, as <c>mmap(2)</c>.</summary>
    /// <param name="address">A placement hint, or the exact address with <see cref="MapFlags.Fixed"/>; 0 lets the kernel choose.</param>
    /// <param name="length">The length of the mapping in bytes.</param>
    /// <param name="protection">The access the mapping allows.</param>
    /// <param name="flags">Sharing and placement flags.</param>
    /// <param name="fd">The descriptor to map, or -1 with <see cref="MapFlags.Anonymous"/>.</param>
    /// <param name="offset">The offset in the file (for VFIO, a region's offset); a multiple of the page size.</param>
    /// <returns>The address of the mapping, or <c>-errno</c>: a value in [-4095, -1], which no mapping ever starts at.</returns>
    nint Mmap(nint address, nuint length, MemoryProtection protection, MapFlags flags, int fd, long offset);

    /// <summary>Unmaps memory, as <c>munmap(2)</c>.</summary>
    /// <param name="address">The start of the range, page aligned.</param>
    /// <param name="length">The length of the range in bytes.</param>
    /// <returns>0, or <c>-errno</c>.</returns>
    int Munmap(nint address, nuint length);

    /// <summary>Creates an event counter descriptor, as <c>eventfd(2)</c>: what VFIO signals interrupts through.</summary>
    /// <param name="initialValue">The counter's initial value.</param>
    /// <param name="flags">Creation flags.</param>
    /// <returns>The new file descriptor, or <c>-errno</c>.</returns>
    int EventFd(uint initialValue, EventFdFlags flags);

    /// <summary>Reads from a descriptor at its current position, as <c>read(2)</c>.</summary>
    /// <param name="fd">The descriptor to read from.</param>
    /// <param name="buffer">Where the bytes go.</param>
    /// <returns>The number of bytes read (0 at end of file), or <c>-errno</c>.</returns>
    long Read(int fd, Span<byte> buffer);

    /// <summary>Writes to a descriptor at its current position, as <c>write(2)</c>.</summary>
    /// <param name="fd">The descriptor to write to.</param>
    /// <param name="buffer">The bytes to write.</param>
    /// <returns>The number of bytes written, or <c>-errno</c>.</returns>
    long Write(int fd, ReadOnlySpan<byte> buffer);

    /// <summary>Reads from a descriptor at an offset, as <c>pread(2)</c>: how VFIO region contents (config space) are read.</summary>
    /// <param name="fd">The descriptor to read from.</param>
    /// <param name="buffer">Where the bytes go.</param>
    /// <param name="offset">The offset to read at.</param>
    /// <returns>The number of bytes read, or <c>-errno</c>.</returns>
    long PRead(int fd, Span<byte> buffer, long offset);

    /// <summary>Writes to a descriptor at an offset, as <c>pwrite(2)</c>.</summary>
    /// <param name="fd">The descriptor to write to.</param>
    /// <param name="buffer">The bytes to write.</param>
    /// <param name="offset">The offset to write at.</param>
    /// <returns>The number of bytes written, or <c>-errno</c>.</returns>
    long PWrite(int fd, ReadOnlySpan<byte> buffer, long offset);

    /// <summary>Waits for events on descriptors, as <c>poll(2)</c>.</summary>
    /// <param name="descriptors">The descriptors and the events to wait for; <see cref="PollDescriptor.ReturnedEvents"/> is filled in.</param>
    /// <param name="timeoutMilliseconds">How long to wait: 0 returns at once, a negative value waits without limit.</param>
    /// <returns>The number of descriptors with events (0 on timeout), or <c>-errno</c>.</returns>
    int Poll(Span<PollDescriptor> descriptors, int timeoutMilliseconds);

    /// <summary>Reads a whole text file such as a sysfs attribute or a procfs file.</summary>
    /// <param name="path">The file to read.</param>
    /// <param name="text">The file's contents as UTF-8 text, unchanged (sysfs attributes end with a newline); empty on failure.</param>
    /// <returns>0, or <c>-errno</c>.</returns>
    int ReadText(string path, out string text);

    /// <summary>Reads the target of a symbolic link, as <c>readlink(2)</c> (sysfs's <c>iommu_group</c> and <c>driver</c> links).</summary>
    /// <param name="path">The link.</param>
    /// <param name="target">The link's target, as stored (often relative); empty on failure.</param>
    /// <returns>0, or <c>-errno</c>.</returns>
    int ReadLink(string path, out string target);

    /// <summary>Lists the names in a directory.</summary>
    /// <param name="path">The directory.</param>
    /// <param name="entries">The entry names without <c>.</c> and <c>..</c>, in ordinal order; empty on failure.</param>
    /// <returns>0, or <c>-errno</c>.</returns>
    int ListDirectory(string path, out IReadOnlyList<string> entries);
}
