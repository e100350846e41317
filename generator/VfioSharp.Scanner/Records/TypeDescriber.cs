using VfioSharp.Model;
using VfioSharp.Model.Records;
using VfioSharp.Model.Reports;
using VfioSharp.Scanner.Clang;
using VfioSharp.Scanner.Scanning;

namespace VfioSharp.Scanner.Records;

/// <summary>Takes a clang type apart into a <see cref="TypeShape"/>, refusing what C# can't express.</summary>
internal static class TypeDescriber
{
    /// <summary>
    /// Describes <paramref name="type"/>. <paramref name="recordName"/> names record declarations (anonymous
    /// ones included) by their cursor key; <paramref name="what"/> and <paramref name="location"/> go into errors.
    /// </summary>
    public static TypeShape Describe(CXType type, Func<CXCursor, string?> recordName, string what, SourceLocation location)
    {
        var dimensions = new List<long>();
        var flexible = false;
        var element = type;
        while (true)
        {
            switch (element.Kind)
            {
                case CXTypeKind.Elaborated:
                    var named = LibClang.clang_Type_getNamedType(element);
                    if (IsArray(named.Kind) || named.Kind == CXTypeKind.Typedef && IsArray(LibClang.clang_getCanonicalType(named).Kind))
                    {
                        element = named;
                        continue;
                    }

                    break;
                case CXTypeKind.ConstantArray:
                    dimensions.Add(LibClang.clang_getArraySize(element));
                    element = LibClang.clang_getArrayElementType(element);
                    continue;
                case CXTypeKind.IncompleteArray:
                    if (dimensions.Count > 0)
                    {
                        throw Unsupported(location, $"{what} is an array of flexible arrays");
                    }

                    dimensions.Add(0);
                    flexible = true;
                    element = LibClang.clang_getArrayElementType(element);
                    continue;
                case CXTypeKind.Typedef:
                case CXTypeKind.Attributed:
                    var canonical = LibClang.clang_getCanonicalType(element);
                    if (IsArray(canonical.Kind))
                    {
                        element = canonical;
                        continue;
                    }

                    break;
            }

            break;
        }

        var canonicalElement = LibClang.clang_getCanonicalType(element);
        var elementSize = LibClang.clang_Type_getSizeOf(canonicalElement);
        string? record = null;
        string? enumName = null;
        var signed = false;
        TypeCategory category;
        var spelling = ClangTranslationUnit.Spelling(element);
        var canonicalSpelling = ClangTranslationUnit.Spelling(canonicalElement);
        switch (canonicalElement.Kind)
        {
            case CXTypeKind.Bool:
                category = TypeCategory.Bool;
                break;
            case CXTypeKind.Char_S or CXTypeKind.SChar or CXTypeKind.Short or CXTypeKind.Int or CXTypeKind.Long or CXTypeKind.LongLong or CXTypeKind.Int128:
                category = TypeCategory.Integer;
                signed = true;
                break;
            case CXTypeKind.Char_U or CXTypeKind.UChar or CXTypeKind.UShort or CXTypeKind.UInt or CXTypeKind.ULong or CXTypeKind.ULongLong or CXTypeKind.UInt128:
                category = TypeCategory.Integer;
                break;
            case CXTypeKind.Float or CXTypeKind.Double:
                category = TypeCategory.Float;
                break;
            case CXTypeKind.Pointer:
                category = TypeCategory.Pointer;
                break;
            case CXTypeKind.Record:
                category = TypeCategory.Record;
                record = recordName(LibClang.clang_getTypeDeclaration(canonicalElement))
                    ?? throw Unsupported(location, $"{what} has a record type without a definition ({canonicalSpelling})");
                var recordKeyword = canonicalSpelling.StartsWith("union", StringComparison.Ordinal) ? "union " : "struct ";
                canonicalSpelling = recordKeyword + record;
                if (spelling.Contains('(', StringComparison.Ordinal))
                {
                    // clang spells an unnamed record with an absolute path: name it as the model does.
                    spelling = canonicalSpelling;
                }

                break;
            case CXTypeKind.Enum:
                category = TypeCategory.Enum;
                var declaration = LibClang.clang_getTypeDeclaration(canonicalElement);
                var integer = LibClang.clang_getCanonicalType(LibClang.clang_getEnumDeclIntegerType(declaration));
                signed = IsSigned(integer.Kind);
                if (LibClang.clang_Cursor_isAnonymous(declaration) != 0)
                {
                    spelling = ClangTranslationUnit.Spelling(integer);
                    canonicalSpelling = spelling;
                }
                else
                {
                    enumName = ClangTranslationUnit.Spelling(declaration);
                }

                break;
            default:
                throw Unsupported(location, $"{what} has type '{canonicalSpelling}', which has no C# equivalent");
        }

        if (elementSize < 0)
        {
            throw Unsupported(location, $"{what} has a type of unknown size ('{canonicalSpelling}')");
        }

        return new TypeShape(spelling, canonicalSpelling, category, elementSize, signed, dimensions, flexible, record, enumName);
    }

    public static bool IsSigned(CXTypeKind kind) =>
        kind is CXTypeKind.Char_S or CXTypeKind.SChar or CXTypeKind.Short or CXTypeKind.Int or CXTypeKind.Long or CXTypeKind.LongLong or CXTypeKind.Int128;

    private static bool IsArray(CXTypeKind kind) => kind is CXTypeKind.ConstantArray or CXTypeKind.IncompleteArray;

    private static ScanException Unsupported(SourceLocation location, string message) =>
        new(new ScanReport(ScanCodes.Unsupported, ReportSeverity.Error, location, "unsupported construct: " + message));
}
