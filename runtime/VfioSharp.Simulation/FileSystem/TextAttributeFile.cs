using System.Text;
using VfioSharp.Kernel;
using VfioSharp.Simulation.Core;

namespace VfioSharp.Simulation.FileSystem;

/// <summary>An open sysfs attribute: reads the text from its position; a write stores a value (<c>driver_override</c>).</summary>
internal sealed class TextAttributeFile(SimulatedKernel kernel, string path, TextAttribute attribute, OpenFlags flags) : SimulatedFile(kernel)
{
    private const int PageSize = 4096;
    private long _position;

    public override string Description => path;

    public override long Read(Span<byte> buffer)
    {
        if ((flags & (OpenFlags)3) == OpenFlags.WriteOnly)
        {
            return -LinuxErrno.EBADF;
        }

        var bytes = Encoding.UTF8.GetBytes(attribute.Read!());
        var count = (int)Math.Clamp(bytes.Length - _position, 0, buffer.Length);
        bytes.AsSpan((int)_position, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    public override long Write(ReadOnlySpan<byte> buffer)
    {
        if ((flags & (OpenFlags)3) == OpenFlags.ReadOnly)
        {
            return -LinuxErrno.EBADF;
        }

        // kernfs_fop_write_iter: a sysfs store gets at most a page (atomic_write_len); a longer write is E2BIG.
        if (buffer.Length > PageSize)
        {
            return -LinuxErrno.E2BIG;
        }

        var stored = attribute.Write!(Encoding.UTF8.GetString(buffer));
        return stored < 0 ? stored : buffer.Length;
    }
}
