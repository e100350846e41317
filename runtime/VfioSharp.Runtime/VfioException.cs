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

    /// <summary>A refusal with the advice its errno usually needs; <paramref name="advice"/> replaces it where the caller knows better.</summary>
    internal static VfioException From(long result, string step, string? advice = null)
    {
        var errno = Kernel.Errno.FromResult(result);
        advice ??= errno.Value switch
        {
            1 or 13 => "run as root, or give this user access to the node (e.g. chown it, or a udev rule for /dev/vfio/*)",
            16 => "another process or fd holds it: close the other user (or its group/cdev) first",
            12 => "pinned memory exceeds RLIMIT_MEMLOCK: raise it (ulimit -l, or LimitMEMLOCK= in a systemd unit) or run with CAP_IPC_LOCK",
            28 => "type1 allows only dma_entry_limit mappings per container (65535 by default): map fewer, larger buffers, or raise the vfio_iommu_type1 module parameter dma_entry_limit",
            _ => null,
        };
        return new VfioException(step, errno, advice);
    }

    /// <summary>
    /// A node could not be opened: names the file and, for the errnos a user can fix, what to change on it
    /// (VFIO's group and device nodes are root-only, 0600, unless a udev rule hands them to a user or group).
    /// </summary>
    internal static VfioException FromOpen(long result, string path, string purpose)
    {
        var errno = Kernel.Errno.FromResult(result);
        var advice = errno.Value switch
        {
            13 => $"this user may not open {path}: run as root, or give the user read-write access to it (chown/chgrp {path} and chmod 0660, or a udev rule such as SUBSYSTEM==\"vfio\", GROUP=\"vfio\", MODE=\"0660\")",
            1 when path.Contains("noiommu", StringComparison.Ordinal) => $"{path} is a no-IOMMU node: Linux lets only a process with CAP_SYS_RAWIO open it (run as root)",
            1 => $"the kernel refused {path} to this process: run as root (CAP_SYS_ADMIN/CAP_SYS_RAWIO), or check the node's owner and mode and any LSM policy",
            2 => $"{path} does not exist: load the module that provides it (modprobe vfio-pci; /dev/iommu needs CONFIG_IOMMUFD) and bind the device to vfio-pci",
            16 => $"{path} is already open: another process (or another fd of this one) holds it; close that first",
            19 => $"{path} has no device behind it any more: the device was unbound or removed",
            _ => null,
        };
        return new VfioException($"{purpose} ({path})", errno, advice);
    }

    private static string Describe(string step, Errno? errno, string? advice)
    {
        var text = errno is { } e ? $"{step} failed: {e.Name} ({e.Value}): {e.Message}" : $"{step} failed";
        return advice is null ? text : $"{text}; {advice}";
    }
}
