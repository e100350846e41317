using System.Diagnostics.CodeAnalysis;
using VfioSharp.Kernel;

namespace VfioSharp;

/// <summary>
/// A VFIO step failed: names the step, the object (PCI address, path, fd, state) and, when the kernel refused,
/// the errno — with what to change where the answer is a permission or a limit.
/// </summary>
[SuppressMessage("Design", "CA1032:Implement standard exception constructors", Justification = "A failed step without its step and object would say nothing.")]
public sealed class VfioException : Exception
{
    /// <summary>Describes a failed step.</summary>
    /// <param name="step">What was being done, with its object: <c>opening /dev/vfio/5 (IOMMU group of 0000:00:01.0)</c>.</param>
    /// <param name="errno">The kernel's answer, if it refused.</param>
    /// <param name="advice">What to change, if known.</param>
    /// <param name="inner">The exception that caused it, if any.</param>
    public VfioException(string step, Errno? errno = null, string? advice = null, Exception? inner = null)
        : base(Describe(step, errno, advice), inner)
    {
        Step = step;
        Errno = errno;
        if (errno is { } e)
        {
            HResult = e.Value;
        }
    }

    /// <summary>The step that failed, with its object.</summary>
    public string Step { get; }

    /// <summary>The kernel's errno, when the kernel refused.</summary>
    public Errno? Errno { get; }

    /// <summary>Throws for a negative result, with advice for the errnos that have some.</summary>
    internal static void ThrowIfFailed(long result, string step)
    {
        if (result < 0)
        {
            throw From(result, step);
        }
    }

    /// <summary>Runs a step whose typed calls throw <see cref="Ioctls.IoctlException"/>, naming the step when one does.</summary>
    internal static T Wrap<T>(string step, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Ioctls.IoctlException failed)
        {
            throw new VfioException(step, failed.Errno, inner: failed);
        }
        catch (InvalidDataException malformed)
        {
            throw new VfioException(step + ": the kernel's reply is malformed", inner: malformed);
        }
    }

    internal static VfioException From(long result, string step)
    {
        var errno = Kernel.Errno.FromResult(result);
        var advice = errno.Value switch
        {
            1 or 13 => "run as root, or give this user access to the node (e.g. chown it, or a udev rule for /dev/vfio/*)",
            16 => "another process or fd holds it: close the other user (or its group/cdev) first",
            12 => "pinned memory exceeds RLIMIT_MEMLOCK: raise it (ulimit -l, or LimitMEMLOCK= in a systemd unit) or run with CAP_IPC_LOCK",
            _ => null,
        };
        return new VfioException(step, errno, advice);
    }

    private static string Describe(string step, Errno? errno, string? advice)
    {
        var text = errno is { } e ? $"{step} failed: {e.Name} ({e.Value}): {e.Message}" : $"{step} failed";
        return advice is null ? text : $"{text}; {advice}";
    }
}
