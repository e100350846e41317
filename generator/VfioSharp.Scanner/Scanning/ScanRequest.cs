namespace VfioSharp.Scanner.Scanning;

/// <summary>What to scan: an include root and headers relative to it.</summary>
/// <param name="Root">The include root: the scanner adds it and its <c>x86_64-linux-gnu</c> folder to the include path.</param>
/// <param name="Headers">Headers relative to <paramref name="Root"/>, e.g. <c>linux/vfio.h</c>.</param>
/// <param name="Strict">Whether an ioctl whose argument cannot be determined is an error rather than a warning.</param>
public sealed record ScanRequest(string Root, IReadOnlyList<string> Headers, bool Strict = false)
{
    /// <summary>The only target the toolkit supports: layouts and request encodings are those of x86_64 Linux.</summary>
    public const string Target = "x86_64-linux-gnu";
}
