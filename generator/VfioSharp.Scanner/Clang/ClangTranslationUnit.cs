using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace VfioSharp.Scanner.Clang;

/// <summary>
/// One parsed translation unit and the index that owns it. Disposing frees both; every cursor and
/// type taken from it is invalid afterwards.
/// </summary>
internal sealed unsafe class ClangTranslationUnit : IDisposable
{
    private nint _index;
    private nint _unit;

    private ClangTranslationUnit(nint index, nint unit)
    {
        _index = index;
        _unit = unit;
    }

    /// <summary>
    /// Parses <paramref name="source"/> as the contents of a file at <paramref name="path"/> (which need
    /// not exist). libclang reports most problems as diagnostics, not as a failed parse: callers must
    /// check <see cref="Diagnostics"/>.
    /// </summary>
    public static ClangTranslationUnit Parse(string path, string source, IReadOnlyList<string> arguments)
    {
        var allocations = new List<nint>();
        try
        {
            byte* Utf8(string text)
            {
                var bytes = Encoding.UTF8.GetBytes(text + "\0");
                var memory = Marshal.AllocHGlobal(bytes.Length);
                allocations.Add(memory);
                Marshal.Copy(bytes, 0, memory, bytes.Length);
                return (byte*)memory;
            }

            var argv = (byte**)Marshal.AllocHGlobal(sizeof(nint) * Math.Max(1, arguments.Count));
            allocations.Add((nint)argv);
            for (var i = 0; i < arguments.Count; i++)
            {
                argv[i] = Utf8(arguments[i]);
            }

            var contents = Encoding.UTF8.GetBytes(source);
            var unsaved = new CXUnsavedFile
            {
                Filename = Utf8(path),
                Contents = Utf8(source),
                Length = (nuint)contents.Length,
            };

            var index = LibClang.clang_createIndex(0, 0);
            nint unit;
            // DetailedPreprocessingRecord: macro definitions become cursors.
            const uint detailedPreprocessingRecord = 0x01;
            var error = LibClang.clang_parseTranslationUnit2(
                index, unsaved.Filename, argv, arguments.Count, &unsaved, 1, detailedPreprocessingRecord, &unit);
            if (error != CXErrorCode.Success || unit == 0)
            {
                LibClang.clang_disposeIndex(index);
                throw new InvalidOperationException($"libclang could not parse '{path}': {error}.");
            }

            return new ClangTranslationUnit(index, unit);
        }
        finally
        {
            foreach (var memory in allocations)
            {
                Marshal.FreeHGlobal(memory);
            }
        }
    }

    public CXCursor Root => LibClang.clang_getTranslationUnitCursor(Unit);

    private nint Unit => _unit != 0 ? _unit : throw new ObjectDisposedException(nameof(ClangTranslationUnit));

    /// <summary>Every diagnostic of the parse, in the order clang emitted them.</summary>
    public IReadOnlyList<ClangDiagnostic> Diagnostics()
    {
        var count = LibClang.clang_getNumDiagnostics(Unit);
        var diagnostics = new List<ClangDiagnostic>((int)count);
        for (uint i = 0; i < count; i++)
        {
            var diagnostic = LibClang.clang_getDiagnostic(Unit, i);
            try
            {
                var (file, line, column) = Locate(LibClang.clang_getDiagnosticLocation(diagnostic));
                diagnostics.Add(new ClangDiagnostic(
                    LibClang.clang_getDiagnosticSeverity(diagnostic),
                    LibClang.Consume(LibClang.clang_getDiagnosticSpelling(diagnostic)),
                    file,
                    line,
                    column));
            }
            finally
            {
                LibClang.clang_disposeDiagnostic(diagnostic);
            }
        }

        return diagnostics;
    }

    /// <summary>The direct children of <paramref name="parent"/>.</summary>
    public static List<CXCursor> Children(CXCursor parent)
    {
        var children = new List<CXCursor>();
        var handle = GCHandle.Alloc(children);
        try
        {
            // The result only says whether a visitor stopped early; CollectChild never does.
            _ = LibClang.clang_visitChildren(parent, &CollectChild, GCHandle.ToIntPtr(handle));
        }
        finally
        {
            handle.Free();
        }

        return children;
    }

    /// <summary>The absolute path of every file the parse included (the main file excluded).</summary>
    public IReadOnlyList<string> IncludedFiles()
    {
        var files = new List<string>();
        var handle = GCHandle.Alloc(files);
        try
        {
            LibClang.clang_getInclusions(Unit, &CollectInclusion, GCHandle.ToIntPtr(handle));
        }
        finally
        {
            handle.Free();
        }

        return files;
    }

    public static string Spelling(CXCursor cursor) => LibClang.Consume(LibClang.clang_getCursorSpelling(cursor));

    public static string Spelling(CXType type) => LibClang.Consume(LibClang.clang_getTypeSpelling(type));

    /// <summary>The file (absolute path), line and column a cursor starts at; file is empty for built-ins.</summary>
    public static (string File, int Line, int Column) Locate(CXCursor cursor) =>
        Locate(LibClang.clang_getCursorLocation(cursor));

    public static (string File, int Line, int Column) Locate(CXSourceLocation location)
    {
        nint file;
        uint line, column, offset;
        LibClang.clang_getFileLocation(location, &file, &line, &column, &offset);
        var name = file == 0 ? string.Empty : LibClang.Consume(LibClang.clang_getFileName(file));
        return (name, (int)line, (int)column);
    }

    public static string ClangVersion() => LibClang.Consume(LibClang.clang_getClangVersion());

    public void Dispose()
    {
        if (_unit != 0)
        {
            LibClang.clang_disposeTranslationUnit(_unit);
            _unit = 0;
        }

        if (_index != 0)
        {
            LibClang.clang_disposeIndex(_index);
            _index = 0;
        }
    }

    [UnmanagedCallersOnly]
    private static CXChildVisitResult CollectChild(CXCursor cursor, CXCursor parent, nint clientData)
    {
        var children = (List<CXCursor>)GCHandle.FromIntPtr(clientData).Target!;
        children.Add(cursor);
        return CXChildVisitResult.Continue;
    }

    [UnmanagedCallersOnly]
    private static void CollectInclusion(nint file, CXSourceLocation* stack, uint stackLength, nint clientData)
    {
        // The main file is reported with an empty inclusion stack; it is synthetic, not an input.
        if (stackLength == 0)
        {
            return;
        }

        var files = (List<string>)GCHandle.FromIntPtr(clientData).Target!;
        files.Add(LibClang.Consume(LibClang.clang_getFileName(file)));
    }
}
