namespace VfioSharp.Scanner.Clang;

/// <summary>A diagnostic of a parse: severity, message and the absolute file, line and column.</summary>
internal sealed record ClangDiagnostic(CXDiagnosticSeverity Severity, string Message, string File, int Line, int Column)
{
    public bool IsError => Severity >= CXDiagnosticSeverity.Error;
}
