namespace VfioSharp.Scanner.Scanning;

/// <summary>Stable codes of the scanner's findings (documented in generator/MODEL.md).</summary>
internal static class ScanCodes
{
    /// <summary>The include root or a header given on the command line does not exist or escapes the root.</summary>
    public const string MissingInput = "VSCAN001";

    /// <summary>clang reported an error (syntax, missing include, incomplete type ...).</summary>
    public const string CompileError = "VSCAN002";

    /// <summary>The parse read a file outside the include root.</summary>
    public const string OutsideTree = "VSCAN003";

    /// <summary>A construct the model cannot express (long double, vectors, _Complex, _Atomic, bitfield oddities).</summary>
    public const string Unsupported = "VSCAN004";

    /// <summary>The checked-in ioctl table names a record that the header set does not define.</summary>
    public const string TableRecordMissing = "VSCAN005";

    /// <summary>The table and the kerneldoc name different arguments.</summary>
    public const string KerneldocArgumentDisagrees = "VSCAN101";

    /// <summary>The table and the kerneldoc's <c>_IOR/_IOW/_IOWR</c> imply different directions.</summary>
    public const string KerneldocDirectionDisagrees = "VSCAN102";

    /// <summary>The kerneldoc names an ioctl that the headers do not define.</summary>
    public const string KerneldocUnknownIoctl = "VSCAN103";

    /// <summary>The kerneldoc names a record that the headers do not define.</summary>
    public const string KerneldocUnknownRecord = "VSCAN104";

    /// <summary>The request's encoded argument differs from the table's.</summary>
    public const string EncodingDisagrees = "VSCAN105";

    /// <summary>An ioctl outside the table whose argument nothing determines (an error with --strict).</summary>
    public const string UndeterminedArgument = "VSCAN201";
}
