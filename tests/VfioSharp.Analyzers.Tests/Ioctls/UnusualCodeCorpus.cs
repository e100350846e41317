namespace VfioSharp.Analyzers.Tests.Ioctls;

/// <summary>
/// Unusual C# around raw ioctl calls, kernel calls and typed calls, all of it correct: each ioctl
/// rule must run over it without throwing (an AD0001 or a swallowed internal error fails the test)
/// and without reporting anything.
/// </summary>
internal static class UnusualCodeCorpus
{
    public const string Program = """
        using System;
        using System.Collections.Generic;
        using System.Runtime.CompilerServices;
        using System.Threading.Tasks;
        using VfioSharp.Handles;
        using VfioSharp.Ioctls;
        using VfioSharp.Kernel;
        using VfioSharp.Uapi;

        IKernel kernel = new NullKernel();
        var device = new DeviceHandle(kernel, 3);
        var status = await Waiting.StatusAsync(kernel, 4);
        Console.WriteLine(status + Local(device));
        foreach (var size in Drivers.Sizes(device))
        {
            Console.WriteLine(size);
        }

        unsafe long Local(DeviceHandle handle)
        {
            var info = new vfio_device_info { argsz = (uint)sizeof(vfio_device_info) };
            return IoctlCall.Invoke(handle, vfio.VFIO_DEVICE_GET_INFO, (nint)(&info));
        }

        static class Waiting
        {
            public static async Task<long> StatusAsync(IKernel kernel, int group)
            {
                await Task.Yield();
                return Drivers.Status(kernel, group);
            }
        }

        static unsafe class Drivers
        {
            public static long Status(IKernel kernel, int group)
            {
                var status = new vfio_group_status();
                status.argsz = (uint)sizeof(vfio_group_status);
                return kernel.Ioctl(group, vfio.VFIO_GROUP_GET_STATUS, (nint)(&status));
            }

            public static IEnumerable<long> Sizes(DeviceHandle device)
            {
                for (uint index = 0; index < 2; index++)
                {
                    yield return Region(device, index);
                }
            }

            private static long Region(DeviceHandle device, uint index)
            {
                var region = new vfio_region_info { argsz = (uint)sizeof(vfio_region_info), index = index };
                var result = IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_REGION_INFO, (nint)(&region));
                return result < 0 ? result : (long)region.size;
            }

            public static long Generic<T>(KernelFileHandle handle, ulong request, ref T argument) where T : unmanaged
            {
                fixed (T* pointer = &argument)
                {
                    return IoctlCall.Invoke(handle, request, (nint)pointer);
                }
            }

            public static long Buffered(DeviceHandle device, bool grow)
            {
                int length = grow switch { true => 1024, false => 256 };
                byte* buffer = stackalloc byte[length];
                new Span<byte>(buffer, length).Clear();
                var info = (vfio_region_info*)buffer;
                info->argsz = (uint)length;
                (info->index, info->flags) = (1u, 0u);
                checked
                {
                    return IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_REGION_INFO, (nint)info);
                }
            }

            public static long Lambdas(IKernel kernel, DeviceHandle device)
            {
                Func<long> reset = () => IoctlCall.Invoke(device, vfio.VFIO_DEVICE_RESET, 0);
                Func<int, int> close = fd => kernel.Close(fd);
                var info = default(vfio_device_info);
                info.argsz = (uint)Unsafe.SizeOf<vfio_device_info>();
                long Query() => IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, (nint)Unsafe.AsPointer(ref info));
                _ = kernel.Close(9);
                return reset() + close(7) + Query();
            }

            public static long Flow(IKernel kernel, ContainerHandle container, ulong iova, ulong size, int attempts)
            {
                long result = -1;
            retry:
                try
                {
                    var unmap = new vfio_iommu_type1_dma_unmap();
                    if (attempts-- > 0)
                    {
                        unmap.argsz = (uint)sizeof(vfio_iommu_type1_dma_unmap);
                    }
                    else
                    {
                        unmap = new vfio_iommu_type1_dma_unmap { argsz = (uint)sizeof(vfio_iommu_type1_dma_unmap) };
                    }

                    unmap.iova = iova;
                    unmap.size = size;
                    result = IoctlCall.Invoke(container, vfio.VFIO_IOMMU_UNMAP_DMA, (nint)(&unmap));
                    if (result == -4)
                    {
                        goto retry;
                    }
                }
                catch (InvalidOperationException) when (attempts > 0)
                {
                    result = kernel.Close(container.DangerousGetFd());
                }
                finally
                {
                    using var scope = new Scope();
                }

                return result;
            }

            public static (long, int) Tuple(IKernel kernel, GroupHandle group, ContainerHandle container)
            {
                int containerFd = container.DangerousGetFd();
                var result = (IoctlCall.Invoke(group, vfio.VFIO_GROUP_SET_CONTAINER, (nint)(&containerFd)), kernel.Close(5));
                return result;
            }

            public static long Records(DeviceHandle device, Holder holder)
            {
                holder.Info = holder.Info with { };
                var copy = holder;
                copy.Info.argsz = 32;
                return IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, (nint)(&copy.Info));
            }

            public static dynamic Dynamic(dynamic value) => value.Anything(vfio.VFIO_DEVICE_GET_INFO);

            public static long Conditional(IKernel? kernel) => kernel?.Close(3) ?? -1;
        }

        struct Holder
        {
            public vfio_device_info Info;
        }

        sealed class Scope : IDisposable
        {
            public void Dispose()
            {
            }
        }

        sealed class NullKernel : IKernel
        {
            public int Open(string path, OpenFlags flags) => -2;
            public int Close(int fd) => 0;
            public long Ioctl(int fd, ulong request, nint argument) => -25;
            public nint Mmap(nint address, nuint length, MemoryProtection protection, MapFlags flags, int fd, long offset) => -12;
            public int Munmap(nint address, nuint length) => 0;
            public int EventFd(uint initialValue, EventFdFlags flags) => -24;
            public long Read(int fd, Span<byte> buffer) => 0;
            public long Write(int fd, ReadOnlySpan<byte> buffer) => buffer.Length;
            public long PRead(int fd, Span<byte> buffer, long offset) => 0;
            public long PWrite(int fd, ReadOnlySpan<byte> buffer, long offset) => buffer.Length;
            public int Poll(Span<PollDescriptor> descriptors, int timeoutMilliseconds) => 0;
            public int ReadText(string path, out string text) { text = ""; return -2; }
            public int ReadLink(string path, out string target) { target = ""; return -2; }
            public int ListDirectory(string path, out IReadOnlyList<string> entries) { entries = Array.Empty<string>(); return -2; }
        }
        """;

    /// <summary>Code that does not compile: the rules must not throw on it either.</summary>
    public const string Broken = """
        using VfioSharp.Handles;
        using VfioSharp.Ioctls;
        using VfioSharp.Uapi;

        static unsafe class Broken
        {
            public static long Run(DeviceHandle device, Missing missing)
            {
                var info = new vfio_device_info { argsz = };
                IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO, (nint)(&info), 1);
                IoctlCall.Invoke(device, vfio.NO_SUCH_REQUEST, (nint)(&info));
                IoctlCall.Invoke(missing, vfio.VFIO_DEVICE_GET_INFO, (nint)(&missing));
                return IoctlCall.Invoke(device, vfio.VFIO_DEVICE_GET_INFO
            }
        }
        """;
}
