using System.Runtime.InteropServices;

namespace VfioSharp.KernelSuite.ErrnoParity;

/// <summary>
/// Runs a misuse with less privilege than the guest's root has, and gives it back afterwards, in this process:
/// capabilities and the filesystem uid/gid are per thread in Linux (glibc's <c>capset</c>, <c>setfsuid</c> and
/// <c>setfsgid</c> are the bare system calls, not broadcast to the other threads as <c>setuid</c> is), and VFIO and
/// iommufd check the calling thread (<c>capable()</c>, <c>inode_permission</c> with current's fsuid). A dropped
/// capability stays in the permitted set, so raising it again needs nothing. RLIMIT_MEMLOCK is per process: only
/// its soft limit is lowered, and restored, while the row runs (the parity rows run one at a time).
/// </summary>
internal static unsafe partial class Unprivileged
{
    // _LINUX_CAPABILITY_VERSION_3: two 32-bit words per set.
    private const uint CapabilityVersion3 = 0x20080522;
    private const int RlimitMemlock = 8;

    /// <summary><paramref name="misuse"/> with <paramref name="capability"/> out of this thread's effective set.</summary>
    public static long Without(Capability capability, Func<long> misuse)
    {
        var header = new CapabilityHeader { Version = CapabilityVersion3 };
        var saved = stackalloc CapabilityData[2];
        // SAFETY: header and the two data words live on this stack frame for the calls.
        Check(CapGet(&header, saved), "capget");
        var dropped = stackalloc CapabilityData[2];
        dropped[0] = saved[0];
        dropped[1] = saved[1];
        var bit = (int)capability;
        dropped[bit / 32].Effective &= ~(1u << (bit % 32));
        Check(CapSet(&header, dropped), "capset (drop)");
        try
        {
            return misuse();
        }
        finally
        {
            Check(CapSet(&header, saved), "capset (restore)");
        }
    }

    /// <summary><paramref name="misuse"/> with RLIMIT_MEMLOCK's soft limit at <paramref name="bytes"/> and without CAP_IPC_LOCK.</summary>
    public static long WithMemlockLimit(ulong bytes, Func<long> misuse)
    {
        ResourceLimit saved;
        // SAFETY: the limits live on this stack frame for the calls.
        Check(GetRlimit(RlimitMemlock, &saved), "getrlimit");
        var lowered = new ResourceLimit { Current = bytes, Maximum = saved.Maximum };
        Check(SetRlimit(RlimitMemlock, &lowered), "setrlimit (lower)");
        try
        {
            return Without(Capability.IpcLock, misuse);
        }
        finally
        {
            Check(SetRlimit(RlimitMemlock, &saved), "setrlimit (restore)");
        }
    }

    /// <summary>
    /// <paramref name="misuse"/> as uid/gid 65534 (nobody) for file access: changing fsuid from 0 clears the
    /// filesystem capabilities (CAP_DAC_OVERRIDE...) from the effective set, and setting it back to 0 restores them.
    /// </summary>
    public static long AsNobody(Func<long> misuse)
    {
        var uid = SetFsUid(65534);
        var gid = SetFsGid(65534);
        try
        {
            return misuse();
        }
        finally
        {
            _ = SetFsGid(gid);
            _ = SetFsUid(uid);
        }
    }

    private static void Check(int result, string call)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"{call}: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "capget", SetLastError = true)]
    private static partial int CapGet(CapabilityHeader* header, CapabilityData* data);

    [LibraryImport("libc", EntryPoint = "capset", SetLastError = true)]
    private static partial int CapSet(CapabilityHeader* header, CapabilityData* data);

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRlimit(int resource, ResourceLimit* limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRlimit(int resource, ResourceLimit* limit);

    [LibraryImport("libc", EntryPoint = "setfsuid")]
    private static partial int SetFsUid(int uid);

    [LibraryImport("libc", EntryPoint = "setfsgid")]
    private static partial int SetFsGid(int gid);

    /// <summary>struct __user_cap_header_struct.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct CapabilityHeader
    {
        public uint Version;
        public int Pid;
    }

    /// <summary>struct __user_cap_data_struct.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct CapabilityData
    {
        public uint Effective;
        public uint Permitted;
        public uint Inheritable;
    }

    /// <summary>struct rlimit (x86-64).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct ResourceLimit
    {
        public ulong Current;
        public ulong Maximum;
    }
}
