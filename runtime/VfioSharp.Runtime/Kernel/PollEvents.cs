namespace VfioSharp.Kernel;

/// <summary>The <c>POLL*</c> bits of <see cref="PollDescriptor.Events"/> and <see cref="PollDescriptor.ReturnedEvents"/> (Linux values).</summary>
public static class PollEvents
{
    /// <summary><c>POLLIN</c>: there is data to read (an eventfd's counter is non-zero).</summary>
    public const short In = 0x1;

    /// <summary><c>POLLPRI</c>: there is an exceptional condition.</summary>
    public const short Priority = 0x2;

    /// <summary><c>POLLOUT</c>: writing will not block.</summary>
    public const short Out = 0x4;

    /// <summary><c>POLLERR</c>: an error condition (returned only).</summary>
    public const short Error = 0x8;

    /// <summary><c>POLLHUP</c>: the other end hung up (returned only).</summary>
    public const short HangUp = 0x10;

    /// <summary><c>POLLNVAL</c>: the descriptor is not open (returned only).</summary>
    public const short Invalid = 0x20;
}
