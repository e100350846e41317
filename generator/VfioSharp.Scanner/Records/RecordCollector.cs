using VfioSharp.Model;
using VfioSharp.Model.Records;
using VfioSharp.Model.Reports;
using VfioSharp.Scanner.Clang;
using VfioSharp.Scanner.KernelDoc;
using VfioSharp.Scanner.Scanning;

namespace VfioSharp.Scanner.Records;

/// <summary>
/// Builds the model's records from a translation unit: every struct/union with a body in the scanned
/// headers, every record they use from elsewhere in the tree, and every anonymous record inside them.
/// </summary>
internal sealed class RecordCollector
{
    private readonly HeaderTree _tree;
    private readonly Func<string, KernelDocIndex> _docs;
    private readonly Dictionary<string, CXCursor> _definitions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _docOwners = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _parents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RecordModel> _built = new(StringComparer.Ordinal);
    private readonly List<RecordModel> _ordered = [];

    public RecordCollector(HeaderTree tree, Func<string, KernelDocIndex> docs)
    {
        _tree = tree;
        _docs = docs;
    }

    /// <summary>Collects from the top level of <paramref name="root"/>.</summary>
    public IReadOnlyList<RecordModel> Collect(CXCursor root)
    {
        var topLevel = new List<CXCursor>();
        foreach (var cursor in ClangTranslationUnit.Children(root))
        {
            if (IsRecordDefinition(cursor))
            {
                Name(cursor, parent: null, memberName: null, anonymousOrdinal: 0);
                topLevel.Add(cursor);
            }
        }

        foreach (var cursor in topLevel)
        {
            var (file, _, _) = ClangTranslationUnit.Locate(cursor);
            var relative = _tree.Relative(file);
            if (relative is not null && _tree.IsScanned(relative))
            {
                Build(cursor);
            }
        }

        // Records of other files of the tree that scanned records use (by value or as array elements).
        for (var i = 0; i < _ordered.Count; i++)
        {
            foreach (var field in _ordered[i].Fields)
            {
                if (field.Record is not null && !_built.ContainsKey(field.Record))
                {
                    var key = _names.First(pair => pair.Value == field.Record).Key;
                    Build(_definitions[key]);
                }
            }
        }

        return _ordered;
    }

    private static bool IsRecordDefinition(CXCursor cursor) =>
        cursor.Kind is CXCursorKind.StructDecl or CXCursorKind.UnionDecl && LibClang.clang_isCursorDefinition(cursor) != 0;

    private static string Key(CXCursor cursor)
    {
        var (file, line, column) = ClangTranslationUnit.Locate(cursor);
        return file + ":" + line + ":" + column;
    }

    private static bool IsUnnamed(CXCursor cursor) =>
        LibClang.clang_Cursor_isAnonymous(cursor) != 0 || ClangTranslationUnit.Spelling(cursor).Contains('(', StringComparison.Ordinal);

    /// <summary>
    /// Names a record definition and, recursively, the records defined in its body. Unnamed records are
    /// named after their place: <c>{parent}__{member}</c> or <c>{parent}__anon{N}</c>.
    /// </summary>
    private void Name(CXCursor cursor, string? parent, string? memberName, int anonymousOrdinal)
    {
        var key = Key(cursor);
        if (_names.ContainsKey(key))
        {
            return;
        }

        string name;
        if (!IsUnnamed(cursor))
        {
            name = ClangTranslationUnit.Spelling(cursor);
        }
        else if (parent is null)
        {
            // A tagless record at file scope can only be used through a typedef: name it after its place.
            var (file, line, _) = ClangTranslationUnit.Locate(cursor);
            name = "__anon_" + Path.GetFileNameWithoutExtension(file) + "_" + line;
        }
        else
        {
            name = memberName is not null ? parent + "__" + memberName : parent + "__anon" + anonymousOrdinal;
            _docOwners[name] = _docOwners.TryGetValue(parent, out var owner) ? owner : parent;
            _parents[name] = parent;
        }

        _names[key] = name;
        _definitions[key] = cursor;

        var children = ClangTranslationUnit.Children(cursor);
        var ordinal = 0;
        foreach (var child in children)
        {
            if (!IsRecordDefinition(child))
            {
                continue;
            }

            if (!IsUnnamed(child))
            {
                Name(child, parent: null, memberName: null, anonymousOrdinal: 0);
                continue;
            }

            var member = MemberDeclaredWith(children, child);
            if (member is null)
            {
                ordinal++;
            }

            Name(child, name, member, ordinal);
        }
    }

    /// <summary>The name of the field whose type is the unnamed record <paramref name="record"/>, or null for an anonymous member.</summary>
    private static string? MemberDeclaredWith(List<CXCursor> siblings, CXCursor record)
    {
        var key = Key(record);
        foreach (var sibling in siblings)
        {
            if (sibling.Kind != CXCursorKind.FieldDecl)
            {
                continue;
            }

            var type = LibClang.clang_getCursorType(sibling);
            var canonical = LibClang.clang_getCanonicalType(type);
            while (canonical.Kind is CXTypeKind.ConstantArray or CXTypeKind.IncompleteArray)
            {
                canonical = LibClang.clang_getArrayElementType(canonical);
            }

            if (canonical.Kind == CXTypeKind.Record && Key(LibClang.clang_getTypeDeclaration(canonical)) == key)
            {
                return ClangTranslationUnit.Spelling(sibling);
            }
        }

        return null;
    }

    private string? NameOf(CXCursor declaration) => _names.TryGetValue(Key(declaration), out var name) ? name : null;

    private RecordModel Build(CXCursor cursor)
    {
        var key = Key(cursor);
        var name = _names[key];
        if (_built.TryGetValue(name, out var existing))
        {
            return existing;
        }

        var (file, line, _) = ClangTranslationUnit.Locate(cursor);
        var location = _tree.Locate(file, line);
        var type = LibClang.clang_getCursorType(cursor);
        var size = LibClang.clang_Type_getSizeOf(type);
        var alignment = LibClang.clang_Type_getAlignOf(type);
        var kind = cursor.Kind == CXCursorKind.UnionDecl ? RecordKind.Union : RecordKind.Struct;
        var keyword = kind == RecordKind.Union ? "union" : "struct";
        if (size < 0 || alignment < 0)
        {
            throw new ScanException(new ScanReport(ScanCodes.Unsupported, ReportSeverity.Error, location, $"{keyword} {name} has no computable layout (clang: {size})"));
        }

        var docOwner = _docOwners.TryGetValue(name, out var owner) ? owner : name;
        var docs = location.File.StartsWith('<') ? null : _docs(location.File);
        var block = docs?.Find(keyword, docOwner)
            ?? docs?.Find(kind == RecordKind.Union ? "struct" : "union", docOwner)
            ?? docs?.FindByArgument("struct " + docOwner);

        var fields = new List<FieldModel>();
        var anonymousMembers = new List<AnonymousMember>();
        var packed = false;
        var children = ClangTranslationUnit.Children(cursor);
        foreach (var child in children)
        {
            if (child.Kind == CXCursorKind.PackedAttr)
            {
                packed = true;
            }
            else if (child.Kind == CXCursorKind.FieldDecl)
            {
                var field = BuildField(child, name, keyword, block);
                if (field is not null)
                {
                    fields.Add(field);
                }
            }
            else if (IsRecordDefinition(child))
            {
                var nested = Build(child);
                if (!nested.Anonymous || MemberDeclaredWith(children, child) is not null)
                {
                    continue;
                }

                // An anonymous member has no field cursor: find where it starts through one of its leaves.
                var leaf = nested.Fields.FirstOrDefault(f => f.BitWidth is null)
                    ?? throw new ScanException(new ScanReport(ScanCodes.Unsupported, ReportSeverity.Error, nested.Location, $"anonymous member of {keyword} {name} has no named member to locate it by"));
                var leafBits = OffsetOf(type, leaf.Name, location);
                var offset = leafBits / 8 - leaf.Offset;
                anonymousMembers.Add(new AnonymousMember(nested.Name, offset));
                foreach (var inner in nested.Fields)
                {
                    fields.Add(inner with
                    {
                        Offset = inner.Offset + offset,
                        BitOffset = inner.BitOffset + offset * 8,
                        AnonymousRecord = inner.AnonymousRecord ?? nested.Name,
                        Doc = inner.Doc ?? block?.Member(inner.Name),
                    });
                }
            }
        }

        var parent = _parents.TryGetValue(name, out var parentName) ? parentName : null;
        var record = new RecordModel
        {
            Name = name,
            Kind = kind,
            Size = size,
            Alignment = alignment,
            Packed = packed,
            Anonymous = IsUnnamed(cursor),
            Parent = parent,
            SizeField = fields.Count > 0 && fields[0].Offset == 0 && fields[0].Name is "argsz" or "size" ? fields[0].Name : null,
            Fields = fields,
            AnonymousMembers = anonymousMembers,
            Location = location,
            Doc = block?.Text is { Length: > 0 } text ? text : null,
        };
        _built[name] = record;
        _ordered.Add(record);
        return record;
    }

    private FieldModel? BuildField(CXCursor cursor, string recordName, string keyword, KernelDocBlock? block)
    {
        var name = ClangTranslationUnit.Spelling(cursor);
        var (file, line, _) = ClangTranslationUnit.Locate(cursor);
        var location = _tree.Locate(file, line);
        if (name.Length == 0)
        {
            // Unnamed bitfields (`:0`, padding) shape the layout, which clang already accounts for.
            return null;
        }

        var what = $"field '{name}' of {keyword} {recordName}";
        var bits = LibClang.clang_Cursor_getOffsetOfField(cursor);
        if (bits < 0)
        {
            throw new ScanException(new ScanReport(ScanCodes.Unsupported, ReportSeverity.Error, location, $"{what} has no computable offset (clang: {bits})"));
        }

        var type = LibClang.clang_getCursorType(cursor);
        var shape = TypeDescriber.Describe(type, NameOf, what, location);
        var isBitField = LibClang.clang_Cursor_isBitField(cursor) != 0;
        if (isBitField && shape.Category is not (TypeCategory.Integer or TypeCategory.Bool or TypeCategory.Enum))
        {
            throw new ScanException(new ScanReport(ScanCodes.Unsupported, ReportSeverity.Error, location, $"unsupported construct: {what} is a bitfield of a non-integer type"));
        }

        var size = shape.Flexible ? 0 : LibClang.clang_Type_getSizeOf(type);
        return new FieldModel
        {
            Name = name,
            Offset = bits / 8,
            Size = size,
            Type = shape.Spelling,
            ElementType = shape.ElementType,
            CanonicalElementType = shape.CanonicalElementType,
            ElementCategory = shape.Category,
            ElementSize = shape.ElementSize,
            Signed = shape.Signed,
            ArrayDimensions = shape.Dimensions,
            Flexible = shape.Flexible,
            BitOffset = isBitField ? bits : null,
            BitWidth = isBitField ? LibClang.clang_getFieldDeclBitWidth(cursor) : null,
            Record = shape.Record,
            Enum = shape.Enum,
            Location = location,
            Doc = block?.Member(name),
        };
    }

    private static unsafe long OffsetOf(CXType record, string field, SourceLocation location)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(field + "\0");
        fixed (byte* name = bytes)
        {
            // SAFETY: the name is NUL-terminated and pinned for the call; libclang does not keep it.
            var bits = LibClang.clang_Type_getOffsetOf(record, name);
            return bits >= 0
                ? bits
                : throw new ScanException(new ScanReport(ScanCodes.Unsupported, ReportSeverity.Error, location, $"offset of '{field}' cannot be computed (clang: {bits})"));
        }
    }
}
