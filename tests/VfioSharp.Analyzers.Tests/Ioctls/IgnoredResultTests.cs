using Microsoft.CodeAnalysis;
using Verify = VfioSharp.Analyzers.Tests.Ioctls.IoctlRuleVerifier<VfioSharp.Analyzers.Results.IgnoredResultAnalyzer>;

namespace VfioSharp.Analyzers.Tests.Ioctls;

/// <summary>
/// VFIO008 true positives: the -errno of a non-throwing call thrown away, as a statement of its own
/// or into a local that no path reads.
/// </summary>
public sealed class IgnoredResultTests
{
    [Fact]
    public Task A_kernel_call_as_a_statement_is_reported()
        => Verify.VerifyAsync(
            Verify.Usings + """
            static class Teardown
            {
                // The review's "unbind for group 0 that fails silently".
                public static void Release(IKernel kernel, int groupFd, int deviceFd)
                {
                    {|#0:kernel.Ioctl(groupFd, VfioSharp.Uapi.vfio.VFIO_GROUP_UNSET_CONTAINER, 0)|};
                    {|#1:kernel.Close(deviceFd)|};
                }
            }
            """,
            Verify.Diagnostic(0, "IKernel.Ioctl", "its result is discarded"),
            Verify.Diagnostic(1, "IKernel.Close", "its result is discarded"));

    [Fact]
    public Task Raw_and_typed_try_calls_and_kernel_implementations_are_reported()
        => Verify.VerifyAsync(
            Verify.Usings + """
            static class Device
            {
                public static void Reset(DeviceHandle device, GroupHandle group, LinuxKernel linux, IKernel? maybe)
                {
                    {|#0:IoctlCall.Invoke(device, vfio.VFIO_DEVICE_RESET, 0)|};
                    {|#1:device.TryVFIO_DEVICE_RESET()|};
                    {|#2:group.TryVFIO_GROUP_UNSET_CONTAINER()|};
                    {|#3:linux.Munmap(0, 4096)|};
                    maybe?{|#4:.EventFd(0, EventFdFlags.None)|};
                }
            }
            """,
            Verify.Diagnostic(0, "IoctlCall.Invoke", "its result is discarded"),
            Verify.Diagnostic(1, "TryVFIO_DEVICE_RESET", "its result is discarded"),
            Verify.Diagnostic(2),
            Verify.Diagnostic(3, "LinuxKernel.Munmap", "its result is discarded"),
            Verify.Diagnostic(4));

    [Fact]
    public Task Expression_bodies_lambdas_and_top_level_statements_discard_too()
        => Verify.VerifyAsync(
            Verify.Usings + """
            IKernel kernel = null!;
            {|#0:kernel.Close(3)|};
            Action release = () => {|#1:kernel.Close(4)|};
            release();

            sealed class Owner(IKernel kernel, int fd)
            {
                public void Release() => {|#2:kernel.Close(fd)|};
            }
            """,
            OutputKind.ConsoleApplication,
            Verify.Diagnostic(0),
            Verify.Diagnostic(1),
            Verify.Diagnostic(2));

    [Fact]
    public Task A_result_stored_in_a_local_that_is_never_read_is_reported()
        => Verify.VerifyAsync(
            Verify.Usings + """
            static class Teardown
            {
                public static long Release(IKernel kernel, DeviceHandle device, int fd)
                {
                    var closed = {|#0:kernel.Close(fd)|};
                    long result = {|#1:device.TryVFIO_DEVICE_RESET()|};
                    result = IoctlCall.Invoke(device, vfio.VFIO_DEVICE_RESET, 0);
                    return result;
                }

                public static void Loop(IKernel kernel, int[] fds, System.Collections.Generic.List<int> more)
                {
                    int result;
                    foreach (var fd in fds)
                    {
                        result = {|#2:kernel.Close(fd)|};
                    }

                    // The enumerator's Dispose runs in a finally: the flow goes on after it.
                    foreach (var fd in more)
                    {
                        result = {|#3:kernel.Close(fd)|};
                    }
                }
            }
            """,
            Verify.Diagnostic(0, "IKernel.Close", "its result, stored in 'closed', is never read"),
            Verify.Diagnostic(1, "TryVFIO_DEVICE_RESET", "its result, stored in 'result', is never read"),
            Verify.Diagnostic(2),
            Verify.Diagnostic(3));

    // A local stored once and never read needs no graph to be reported; stored twice, the first
    // value is dead even though the local is read.
    [Fact]
    public Task A_result_local_never_read_and_one_overwritten_before_any_read_are_reported()
        => Verify.VerifyAsync(
            Verify.Usings + """
            static class Teardown
            {
                public static long Release(IKernel kernel, int groupFd, int deviceFd)
                {
                    var closed = {|#0:kernel.Close(deviceFd)|};
                    var result = {|#1:kernel.Close(groupFd)|};
                    result = kernel.Close(groupFd + 1);
                    return result;
                }
            }
            """,
            Verify.Diagnostic(0, "IKernel.Close", "its result, stored in 'closed', is never read"),
            Verify.Diagnostic(1, "IKernel.Close", "its result, stored in 'result', is never read"));
}
