namespace VfioSharp.Generator
{
    /// <summary>
    /// A diagnostic as data: Roslyn's Diagnostic and Location hold syntax trees, which must not flow
    /// through an incremental pipeline.
    /// </summary>
    internal sealed record DiagnosticInfo(string Id, bool IsError, string? FilePath, int Line, string Message);
}
