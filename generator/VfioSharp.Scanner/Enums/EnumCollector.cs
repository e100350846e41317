using VfioSharp.Model.Enums;
using VfioSharp.Scanner.Clang;
using VfioSharp.Scanner.KernelDoc;
using VfioSharp.Scanner.Records;
using VfioSharp.Scanner.Scanning;

namespace VfioSharp.Scanner.Enums;

/// <summary>Builds the model's enums: every enum with a body at file scope of the scanned headers.</summary>
internal static class EnumCollector
{
    public static IReadOnlyList<EnumModel> Collect(CXCursor root, HeaderTree tree, Func<string, KernelDocIndex> docs)
    {
        var enums = new List<EnumModel>();
        foreach (var cursor in ClangTranslationUnit.Children(root))
        {
            if (cursor.Kind != CXCursorKind.EnumDecl || LibClang.clang_isCursorDefinition(cursor) == 0)
            {
                continue;
            }

            var (file, line, _) = ClangTranslationUnit.Locate(cursor);
            var relative = tree.Relative(file);
            if (relative is null || !tree.IsScanned(relative))
            {
                continue;
            }

            var anonymous = LibClang.clang_Cursor_isAnonymous(cursor) != 0;
            var name = anonymous ? null : ClangTranslationUnit.Spelling(cursor);
            var integer = LibClang.clang_getCanonicalType(LibClang.clang_getEnumDeclIntegerType(cursor));
            var signed = TypeDescriber.IsSigned(integer.Kind);
            var index = docs(relative);
            var block = name is null ? null : index.Find("enum", name);
            var constants = new List<EnumConstantModel>();
            foreach (var child in ClangTranslationUnit.Children(cursor))
            {
                if (child.Kind != CXCursorKind.EnumConstantDecl)
                {
                    continue;
                }

                var constantName = ClangTranslationUnit.Spelling(child);
                var (constantFile, constantLine, _) = ClangTranslationUnit.Locate(child);
                constants.Add(new EnumConstantModel
                {
                    Name = constantName,
                    Value = signed
                        ? LibClang.clang_getEnumConstantDeclValue(child)
                        : unchecked((long)LibClang.clang_getEnumConstantDeclUnsignedValue(child)),
                    Location = tree.Locate(constantFile, constantLine),
                    Doc = block?.Member(constantName) ?? index.Find(null, constantName)?.Text,
                });
            }

            enums.Add(new EnumModel
            {
                Name = name,
                UnderlyingType = ClangTranslationUnit.Spelling(integer),
                Signed = signed,
                Constants = constants,
                Location = tree.Locate(file, line),
                Doc = block?.Text is { Length: > 0 } text ? text : null,
            });
        }

        return enums;
    }
}
