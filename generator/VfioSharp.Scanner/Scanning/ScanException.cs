using VfioSharp.Model.Reports;

namespace VfioSharp.Scanner.Scanning;

/// <summary>
/// The scan failed: the headers are broken, missing, or use something the model can't express.
/// Every error names the header and line it concerns; no model is produced.
/// </summary>
public sealed class ScanException : Exception
{
    /// <summary>Creates the exception from the errors that stopped the scan.</summary>
    public ScanException(IReadOnlyList<ScanReport> errors)
        : base(string.Join(Environment.NewLine, errors))
    {
        Errors = errors;
    }

    /// <summary>Creates the exception for a single error.</summary>
    public ScanException(ScanReport error)
        : this([error])
    {
    }

    /// <summary>The errors, each with its header:line.</summary>
    public IReadOnlyList<ScanReport> Errors { get; }
}
