namespace VfioSharp.Runtime.Tests.Sharing;

/// <summary>
/// This process's open fds (/proc/self/fd). The tests that count them run one at a time (this collection) and
/// apart from the rest: other test classes open real fds in parallel, which a count would see.
/// </summary>
[CollectionDefinition(nameof(ProcessFdCount), DisableParallelization = true)]
public sealed class ProcessFdCount
{
    public static int Now() => Directory.GetFiles("/proc/self/fd").Length;
}
