using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using VfioSharp.Handles;
using VfioSharp.Ioctls;
using VfioSharp.Kernel;

namespace VfioSharp.Bench.Runtime;

/// <summary>
/// A cheap real ioctl — FIONBIO on /dev/null — from the floor up, each step adding one layer of the runtime's
/// path: C's own loop in this process; libc through <c>LibraryImport</c> without the GC transition (for the
/// split only), with it (the P/Invoke), and with <c>SetLastError</c> (the generated errno handling);
/// <see cref="LinuxKernel.Ioctl"/> (errno read on failure only, the EINTR loop); and <see cref="IoctlCall.Invoke"/>
/// on a SafeHandle (AddRef/Release, the call through <see cref="IKernel"/>). bench/runtime/run compares them
/// with the same loop in a C program.
/// </summary>
[MemoryDiagnoser]
public unsafe partial class IoctlPathBenchmarks : IDisposable
{
    /// <summary>How many calls one invocation of the C loop makes: enough that the one P/Invoke into it doesn't count.</summary>
    public const int CCallsPerInvoke = 1000;

    private const ulong Fionbio = 0x5421;
    private GenericFileHandle? _handle;
    private nint _library;
    private delegate* unmanaged<int, long, int> _cLoop;
    private int _fd = -1;
    private int _value;

    /// <summary>Where bench/runtime/run puts fionbio.c built as a shared library.</summary>
    public static string? CLibraryPath => Environment.GetEnvironmentVariable("FIONBIO_LIBRARY");

    [GlobalSetup]
    public void Setup()
    {
        _fd = LinuxKernel.Instance.Open("/dev/null", OpenFlags.ReadWrite);
        if (_fd < 0)
        {
            throw new InvalidOperationException($"open /dev/null: {Errno.FromResult(_fd)}");
        }

        _handle = new GenericFileHandle(LinuxKernel.Instance, _fd, ownsHandle: false);
        if (CLibraryPath is { } path)
        {
            _library = NativeLibrary.Load(path);

            // SAFETY: fionbio.c defines int fionbio_calls(int fd, long calls), a plain C function.
            _cLoop = (delegate* unmanaged<int, long, int>)NativeLibrary.GetExport(_library, "fionbio_calls");
        }
    }

    [Benchmark(OperationsPerInvoke = CCallsPerInvoke, Description = "C loop in this process")]
    public int CLoop()
    {
        // SAFETY: _cLoop was set in Setup from the library's export (FIONBIO_LIBRARY must be set for this benchmark).
        return _cLoop(_fd, CCallsPerInvoke);
    }

    [Benchmark(Description = "libc ioctl (SuppressGCTransition)")]
    public int NoTransition()
    {
        // SAFETY: _value is pinned for the call; FIONBIO reads one int through the pointer.
        fixed (int* value = &_value)
        {
            return ioctl_no_transition(_fd, Fionbio, value);
        }
    }

    [Benchmark(Baseline = true, Description = "libc ioctl (LibraryImport)")]
    public int Libc()
    {
        // SAFETY: _value is pinned for the call; FIONBIO reads one int through the pointer.
        fixed (int* value = &_value)
        {
            return ioctl(_fd, Fionbio, value);
        }
    }

    [Benchmark(Description = "libc ioctl (LibraryImport, SetLastError)")]
    public int LibcLastError()
    {
        // SAFETY: _value is pinned for the call; FIONBIO reads one int through the pointer.
        fixed (int* value = &_value)
        {
            return ioctl_errno(_fd, Fionbio, value);
        }
    }

    [Benchmark(Description = "LinuxKernel.Ioctl")]
    public long Kernel()
    {
        // SAFETY: _value is pinned for the call; FIONBIO reads one int through the pointer.
        fixed (int* value = &_value)
        {
            return LinuxKernel.Instance.Ioctl(_fd, Fionbio, (nint)value);
        }
    }

    [Benchmark(Description = "IoctlCall.Invoke (SafeHandle)")]
    public long Invoke()
    {
        // SAFETY: _value is pinned for the call; FIONBIO reads one int through the pointer.
        fixed (int* value = &_value)
        {
            return IoctlCall.Invoke(_handle!, Fionbio, (nint)value);
        }
    }

    [Benchmark(OperationsPerInvoke = CCallsPerInvoke, Description = "IoctlCall.Invoke loop, as C's loop")]
    public long InvokeLoop()
    {
        // The same shape as C's loop: the calls made from one loop, so that the frames standing between the
        // loop and libc during the syscall are the same as C's (each costs a mispredicted return on this VM).
        long result = 0;

        // SAFETY: _value is pinned for the calls; FIONBIO reads one int through the pointer.
        fixed (int* value = &_value)
        {
            for (var call = 0; call < CCallsPerInvoke; call++)
            {
                result = IoctlCall.Invoke(_handle!, Fionbio, (nint)value);
            }
        }

        return result;
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _handle?.Dispose();
        if (_fd >= 0)
        {
            _ = LinuxKernel.Instance.Close(_fd);
            _fd = -1;
        }

        if (_library != 0)
        {
            NativeLibrary.Free(_library);
            _library = 0;
        }

        GC.SuppressFinalize(this);
    }

    [LibraryImport("libc", SetLastError = false)]
    private static partial int ioctl(int fd, ulong request, int* argument);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int ioctl_errno(int fd, ulong request, int* argument);

    /// <summary>
    /// Without the GC transition: only to show what the transition costs. Not for the runtime: an ioctl may block
    /// (a reset, a DMA map that pins gigabytes), and a thread in such a call would hold up every other thread's GC.
    /// </summary>
    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = false)]
    [SuppressGCTransition]
    private static partial int ioctl_no_transition(int fd, ulong request, int* argument);
}
