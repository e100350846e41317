using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace VfioSharp.Kernel;

/// <summary>One descriptor of <see cref="IKernel.Poll"/>: C's <c>struct pollfd</c>, field for field.</summary>
[StructLayout(LayoutKind.Sequential)]
[SuppressMessage("Performance", "CA1815:Override equals and operator equals on value types", Justification = "An interop record passed to poll(2), never compared.")]
[SuppressMessage("Design", "CA1051:Do not declare visible instance fields", Justification = "Mirrors struct pollfd, whose layout the kernel reads.")]
public struct PollDescriptor
{
    /// <summary>The descriptor to watch; a negative value makes the kernel skip the entry.</summary>
    public int Fd;

    /// <summary>The events to wait for (<see cref="PollEvents"/>).</summary>
    public short Events;

    /// <summary>The events that occurred, filled in by the kernel (<see cref="PollEvents"/>).</summary>
    public short ReturnedEvents;
}
