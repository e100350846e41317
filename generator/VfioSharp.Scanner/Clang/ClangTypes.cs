using System.Runtime.InteropServices;

namespace VfioSharp.Scanner.Clang;

// Layouts of libclang's by-value structs (clang-c/Index.h). They cross the native boundary by
// value, so their field order and sizes must match the C declarations exactly.

[StructLayout(LayoutKind.Sequential)]
internal readonly struct CXCursor
{
    public readonly CXCursorKind Kind;
    private readonly int _xdata;
    private readonly nint _data0;
    private readonly nint _data1;
    private readonly nint _data2;
}

[StructLayout(LayoutKind.Sequential)]
internal readonly struct CXType
{
    public readonly CXTypeKind Kind;
    private readonly nint _data0;
    private readonly nint _data1;
}

[StructLayout(LayoutKind.Sequential)]
internal readonly struct CXString
{
    private readonly nint _data;
    private readonly uint _privateFlags;
}

[StructLayout(LayoutKind.Sequential)]
internal readonly struct CXSourceLocation
{
    private readonly nint _ptrData0;
    private readonly nint _ptrData1;
    private readonly uint _intData;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXUnsavedFile
{
    public byte* Filename;
    public byte* Contents;
    public nuint Length;
}

internal enum CXCursorKind
{
    StructDecl = 2,
    UnionDecl = 3,
    EnumDecl = 5,
    FieldDecl = 6,
    EnumConstantDecl = 7,
    VarDecl = 9,
    TypedefDecl = 20,
    TranslationUnit = 300,
    PackedAttr = 408,
    AlignedAttr = 441,
    MacroDefinition = 501,
}

internal enum CXTypeKind
{
    Invalid = 0,
    Unexposed = 1,
    Void = 2,
    Bool = 3,
    Char_U = 4,
    UChar = 5,
    Char16 = 6,
    Char32 = 7,
    UShort = 8,
    UInt = 9,
    ULong = 10,
    ULongLong = 11,
    UInt128 = 12,
    Char_S = 13,
    SChar = 14,
    WChar = 15,
    Short = 16,
    Int = 17,
    Long = 18,
    LongLong = 19,
    Int128 = 20,
    Float = 21,
    Double = 22,
    LongDouble = 23,
    Complex = 100,
    Pointer = 101,
    Record = 105,
    Enum = 106,
    Typedef = 107,
    FunctionNoProto = 110,
    FunctionProto = 111,
    ConstantArray = 112,
    Vector = 113,
    IncompleteArray = 114,
    VariableArray = 115,
    Elaborated = 119,
    Attributed = 163,
    ExtVector = 176,
    Atomic = 177,
}

internal enum CXDiagnosticSeverity
{
    Ignored = 0,
    Note = 1,
    Warning = 2,
    Error = 3,
    Fatal = 4,
}

internal enum CXEvalResultKind
{
    UnExposed = 0,
    Int = 1,
    Float = 2,
    StrLiteral = 4,
}

internal enum CXChildVisitResult
{
    Break = 0,
    Continue = 1,
    Recurse = 2,
}

internal enum CXErrorCode
{
    Success = 0,
    Failure = 1,
    Crashed = 2,
    InvalidArguments = 3,
    ASTReadError = 4,
}
