namespace VfioSharp.Model.Reports
{
    /// <summary>A finding of the scanner, with a stable code and the header:line it concerns.</summary>
    public sealed record ScanReport(string Code, ReportSeverity Severity, SourceLocation Location, string Message)
    {
        /// <summary>The <c>header:line: severity CODE: message</c> form printed by the scanner.</summary>
        public override string ToString() =>
            Location + ": " + (Severity == ReportSeverity.Error ? "error" : "warning") + " " + Code + ": " + Message;
    }
}
