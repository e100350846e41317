using BenchmarkDotNet.Attributes;
using VfioSharp.Containers;
using VfioSharp.Dma;
using VfioSharp.Handles;
using VfioSharp.Ioctls;
using VfioSharp.Pci;
using VfioSharp.Uapi;

namespace VfioSharp.Bench.Runtime;

/// <summary>
/// The runtime's own cost and allocations over a kernel that does nothing (<see cref="NullKernel"/>): the ioctl
/// path without a syscall, generated typed calls, DMA map/unmap. Each is a whole call as a driver makes it.
/// </summary>
[MemoryDiagnoser]
public class RuntimeCostBenchmarks : IDisposable
{
    private readonly NullKernel _kernel = new();
    private Vfio? _vfio;
    private VfioContainer? _container;
    private DmaBuffer? _buffer;
    private ContainerHandle? _containerHandle;
    private DeviceHandle? _device;
    private GenericFileHandle? _generic;

    [GlobalSetup]
    public void Setup()
    {
        _vfio = Vfio.Open(_kernel);
        _ = _vfio.OpenDevice(PciAddress.Parse("0000:00:01.0"));
        _container = _vfio.DefaultContainer;
        _buffer = DmaBuffer.Allocate(_kernel, 4096);
        _containerHandle = new ContainerHandle(_kernel, 7, ownsHandle: false);
        _device = new DeviceHandle(_kernel, 8, ownsHandle: false);
        _generic = new GenericFileHandle(_kernel, 9, ownsHandle: false);
    }

    [Benchmark(Description = "IoctlCall.Invoke (SafeHandle), no syscall")]
    public long Invoke() => IoctlCall.Invoke(_generic!, 0x5421, 0);

    [Benchmark(Description = "TryVFIO_CHECK_EXTENSION")]
    public long CheckExtension() => _containerHandle!.TryVFIO_CHECK_EXTENSION((uint)vfio.VFIO_TYPE1v2_IOMMU);

    [Benchmark(Description = "TryVFIO_DEVICE_GET_INFO")]
    public long DeviceInfo()
    {
        var info = default(vfio_device_info);
        return _device!.TryVFIO_DEVICE_GET_INFO(ref info);
    }

    [Benchmark(Description = "VfioContainer.TryMap + TryUnmap")]
    public long MapUnmap()
    {
        var result = _container!.TryMap(_buffer!, 0x100000, out var mapping);
        return result + _container.TryUnmap(mapping);
    }

    [Benchmark(Description = "VfioContainer.Map + Unmap")]
    public ulong MapUnmapThrowing()
    {
        var mapping = _container!.Map(_buffer!, 0x200000);
        _container.Unmap(mapping);
        return mapping.Iova;
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _vfio?.Dispose();
        _buffer?.Dispose();
        _containerHandle?.Dispose();
        _device?.Dispose();
        _generic?.Dispose();
        GC.SuppressFinalize(this);
    }
}
