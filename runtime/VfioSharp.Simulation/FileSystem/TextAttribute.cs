namespace VfioSharp.Simulation.FileSystem;

/// <summary>
/// A sysfs or procfs text file: read produces its content (null: write-only); write, where allowed, takes a value and
/// returns 0 or -errno (the attribute's store function).
/// </summary>
internal sealed record TextAttribute(Func<string>? Read, Func<string, int>? Write);
