namespace VfioSharp.Simulation.Core;

/// <summary>Linux x86_64 errno values, as constants the simulated kernel returns negated (the runtime's <c>Errno</c> names them).</summary>
internal static class LinuxErrno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EIO = 5;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int EFAULT = 14;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int ENODEV = 19;
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int EINVAL = 22;
    public const int EMFILE = 24;
    public const int ENOTTY = 25;
    public const int ENOSPC = 28;
    public const int E2BIG = 7;
    public const int EOVERFLOW = 75;
    public const int EBADFD = 77;
    public const int EMSGSIZE = 90;
    public const int EOPNOTSUPP = 95;
    public const int EADDRINUSE = 98;
}
