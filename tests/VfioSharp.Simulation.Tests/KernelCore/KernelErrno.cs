namespace VfioSharp.Simulation.Tests.KernelCore;

/// <summary>The Linux x86_64 errno numbers the core tests expect (negated, as IKernel returns them).</summary>
internal static class KernelErrno
{
    public const int ENOENT = 2;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int EISDIR = 21;
    public const int EINVAL = 22;
    public const int ENOTDIR = 20;
    public const int ENOTTY = 25;
    public const int ENODEV = 19;
}
