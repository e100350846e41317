using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using VfioSharp.Handles;
using VfioSharp.Ioctls;
using VfioSharp.Kernel;

namespace VfioSharp.Bench.Runtime;

/// <summary>
/// A cheap real ioctl — FIONBIO on /dev/null — three ways: libc directly (the floor a C driver pays), the
/// runtime's LinuxKernel, and the runtime's full path (IoctlCall.Invoke on a SafeHandle: AddRef/Release).
/// bench/runtime/run compares them with the same call from C.
/// </summary>
[MemoryDiagnoser]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public unsafe partial class IoctlPathBenchmarks : IDisposable
{
    private const ulong Fionbio = 0x5421;
    private GenericFileHandle? _handle;
    private int _fd = -1;
    private int _value;

    [GlobalSetup]
    public void Setup()
    {
        _fd = LinuxKernel.Instance.Open("/dev/null", OpenFlags.ReadWrite);
        _handle = new GenericFileHandle(LinuxKernel.Instance, _fd, ownsHandle: false);
    }

    [Benchmark(Baseline = true, Description = "libc ioctl (LibraryImport)")]
    public int Libc()
    {
        fixed (int* value = &_value)
        {
            return ioctl(_fd, Fionbio, value);
        }
    }

    [Benchmark(Description = "LinuxKernel.Ioctl")]
    public long Kernel()
    {
        fixed (int* value = &_value)
        {
            return LinuxKernel.Instance.Ioctl(_fd, Fionbio, (nint)value);
        }
    }

    [Benchmark(Description = "IoctlCall.Invoke (SafeHandle)")]
    public long Invoke()
    {
        fixed (int* value = &_value)
        {
            return IoctlCall.Invoke(_handle!, Fionbio, (nint)value);
        }
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _handle?.Dispose();
        _ = LinuxKernel.Instance.Close(_fd);
        GC.SuppressFinalize(this);
    }

    [LibraryImport("libc", SetLastError = false)]
    private static partial int ioctl(int fd, ulong request, int* argument);
}
