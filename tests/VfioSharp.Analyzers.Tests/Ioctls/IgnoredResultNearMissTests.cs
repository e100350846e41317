using Verify = VfioSharp.Analyzers.Tests.Ioctls.IoctlRuleVerifier<VfioSharp.Analyzers.Results.IgnoredResultAnalyzer>;

namespace VfioSharp.Analyzers.Tests.Ioctls;

/// <summary>VFIO008 near misses: results that are used, explicitly discarded, or come from calls that throw.</summary>
public sealed class IgnoredResultNearMissTests
{
    [Fact]
    public Task Used_and_explicitly_discarded_results_are_silent()
        => Verify.VerifyAsync(Verify.Usings + """
            sealed class Teardown
            {
                private long _last;

                public long Release(IKernel kernel, DeviceHandle device, int fd)
                {
                    _ = kernel.Close(fd);
                    _last = device.TryVFIO_DEVICE_RESET();
                    if (kernel.Close(fd + 2) < 0)
                    {
                        return -1;
                    }

                    long result;
                    if ((result = IoctlCall.Invoke(device, vfio.VFIO_DEVICE_RESET, 0)) < 0)
                    {
                        return result;
                    }

                    Log(kernel.Close(fd + 3));
                    var checkedLater = kernel.Close(fd + 4);
                    Log(checkedLater);
                    return kernel.Close(fd + 5);
                }

                public static void Named(IKernel kernel, int fd)
                {
                    var _ = kernel.Close(fd);
                }

                private static void Log(long result)
                {
                }
            }
            """);

    [Fact]
    public Task Reads_on_later_iterations_in_handlers_after_finally_and_in_lambdas_count()
        => Verify.VerifyAsync(Verify.Usings + """
            static class Teardown
            {
                public static long Loop(IKernel kernel, int[] fds)
                {
                    long result = 0;
                    foreach (var fd in fds)
                    {
                        if (result < 0)
                        {
                            break;
                        }

                        result = kernel.Close(fd);
                    }

                    return 0;
                }

                public static long Handlers(IKernel kernel, DeviceHandle device, int fd)
                {
                    long result = -1;
                    try
                    {
                        result = device.TryVFIO_DEVICE_RESET();
                        Throw();
                    }
                    catch (InvalidOperationException)
                    {
                        return result;
                    }

                    try
                    {
                        Throw();
                    }
                    finally
                    {
                        result = kernel.Close(fd);
                    }

                    return result;
                }

                public static Func<long> Later(IKernel kernel, int fd)
                {
                    var result = kernel.Close(fd);
                    return () => result;
                }

                private static void Throw() => throw new InvalidOperationException();
            }
            """);

    [Fact]
    public Task Throwing_calls_and_calls_of_other_types_are_silent()
        => Verify.VerifyAsync(Verify.Usings + """
            sealed class Files
            {
                public int Close(int fd) => 0;
                public long Ioctl(int fd, ulong request, nint argument) => 0;
            }

            static class Teardown
            {
                public static void Release(DeviceHandle device, GroupHandle group, Files files)
                {
                    device.VFIO_DEVICE_RESET();
                    group.VFIO_GROUP_UNSET_CONTAINER();
                    files.Close(3);
                    files.Ioctl(3, vfio.VFIO_DEVICE_RESET, 0);
                    device.Dispose();
                }
            }
            """);

    [Fact]
    public Task A_result_local_stored_once_and_passed_on_by_value_is_read()
        => Verify.VerifyAsync(Verify.Usings + """
            static class Teardown
            {
                public static void Release(IKernel kernel, int fd, System.Collections.Generic.List<long> log)
                {
                    var closed = kernel.Close(fd);
                    log.Add(closed);
                }
            }
            """);
}
