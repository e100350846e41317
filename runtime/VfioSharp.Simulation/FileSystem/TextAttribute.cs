namespace VfioSharp.Simulation.FileSystem;

/// <summary>A sysfs or procfs text file: read produces its content; write, where allowed, takes a value.</summary>
internal sealed record TextAttribute(Func<string> Read, Action<string>? Write);
