using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>
/// Lays out value types the way the CLR does on a 64-bit target, so that two members of a C-style
/// union can be compared byte by byte. Only what can be known is laid out: a type whose layout
/// depends on something invisible (a struct from metadata, whose <c>StructLayout</c> and
/// <c>FieldOffset</c> are not custom attributes there, unless it is a generated uapi record whose
/// fields carry <c>[UapiField]</c> or an inline array; a type parameter; a reference field, which
/// makes the CLR choose an automatic layout) has no layout, and the rules then stay silent about it.
/// </summary>
internal sealed class StructLayoutCatalog
{
    private const int MaximumNesting = 24;

    // Larger than any kernel ABI struct; past it (or past int arithmetic) a layout is not trusted.
    private const long MaximumSize = 1 << 24;

    // LayoutKind values of System.Runtime.InteropServices.LayoutKind.
    private const int LayoutKindExplicit = 2;
    private const int LayoutKindAuto = 3;

    private static readonly TypeLayout Unknown = TypeLayout.Scalar(-1);

    private readonly INamedTypeSymbol? _structLayoutAttribute;
    private readonly INamedTypeSymbol? _fieldOffsetAttribute;
    private readonly INamedTypeSymbol? _inlineArrayAttribute;
    private readonly ConcurrentDictionary<ITypeSymbol, TypeLayout> _layouts = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<ITypeSymbol, bool> _overlaps = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<ITypeSymbol, ImmutableArray<ImmutableArray<IFieldSymbol>>> _unionPaths = new(SymbolEqualityComparer.Default);

    public StructLayoutCatalog(Compilation compilation)
    {
        _structLayoutAttribute = compilation.GetTypeByMetadataName("System.Runtime.InteropServices.StructLayoutAttribute");
        _fieldOffsetAttribute = compilation.GetTypeByMetadataName("System.Runtime.InteropServices.FieldOffsetAttribute");
        _inlineArrayAttribute = compilation.GetTypeByMetadataName("System.Runtime.CompilerServices.InlineArrayAttribute");
    }

    /// <summary>The layout of <paramref name="type"/>, or null when it cannot be known for sure.</summary>
    public TypeLayout? GetLayout(ITypeSymbol type) => GetLayout(type, 0);

    /// <summary>
    /// Whether some bytes of <paramref name="type"/> belong to two members at once: it is an
    /// explicit-layout struct with intersecting fields, or contains one at any depth, and its whole
    /// layout is known.
    /// </summary>
    public bool HasOverlap(ITypeSymbol type) => HasOverlap(type, 0);

    /// <summary>
    /// The field paths from <paramref name="type"/> to the outermost overlapping structs it holds by
    /// value: one empty path when the type overlaps itself, none when it holds no union.
    /// </summary>
    public ImmutableArray<ImmutableArray<IFieldSymbol>> GetUnionPaths(ITypeSymbol type) => GetUnionPaths(type, 0);

    /// <summary>Whether storage of this type, or pointed at by this type, can hold a union.</summary>
    public bool CarriesUnion(ITypeSymbol? type)
    {
        while (type is IPointerTypeSymbol pointer)
        {
            type = pointer.PointedAtType;
        }

        return type is { IsValueType: true, TypeKind: TypeKind.Struct } && !GetUnionPaths(type).IsEmpty;
    }

    /// <summary>The instance fields of a struct, in declaration order.</summary>
    public static IEnumerable<IFieldSymbol> InstanceFields(ITypeSymbol type)
        => type.GetMembers().OfType<IFieldSymbol>().Where(f => !f.IsStatic && !f.IsConst);

    private TypeLayout? GetLayout(ITypeSymbol type, int depth)
    {
        if (depth > MaximumNesting)
        {
            return null;
        }

        if (!_layouts.TryGetValue(type, out var layout))
        {
            layout = ComputeLayout(type, depth) ?? Unknown;
            _layouts.TryAdd(type, layout);
        }

        return ReferenceEquals(layout, Unknown) ? null : layout;
    }

    private TypeLayout? ComputeLayout(ITypeSymbol type, int depth)
    {
        switch (type.TypeKind)
        {
            case TypeKind.Pointer:
            case TypeKind.FunctionPointer:
                return TypeLayout.Scalar(8);
            case TypeKind.Enum:
                return type is INamedTypeSymbol { EnumUnderlyingType: { } underlying } ? GetLayout(underlying, depth + 1) : null;
        }

        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean:
            case SpecialType.System_Byte:
            case SpecialType.System_SByte:
                return TypeLayout.Scalar(1);
            case SpecialType.System_Char:
            case SpecialType.System_Int16:
            case SpecialType.System_UInt16:
                return TypeLayout.Scalar(2);
            case SpecialType.System_Int32:
            case SpecialType.System_UInt32:
            case SpecialType.System_Single:
                return TypeLayout.Scalar(4);
            case SpecialType.System_Int64:
            case SpecialType.System_UInt64:
            case SpecialType.System_Double:
            case SpecialType.System_IntPtr:
            case SpecialType.System_UIntPtr:
                return TypeLayout.Scalar(8);
            case SpecialType.System_Decimal:
                return TypeLayout.Scalar(16, 8);
        }

        if (type is not INamedTypeSymbol { TypeKind: TypeKind.Struct } named)
        {
            return null;
        }

        return named.OriginalDefinition.Locations.Any(l => l.IsInSource)
            ? ComputeStructLayout(named, depth)
            : ComputeMetadataLayout(named, depth);
    }

    /// <summary>
    /// The layout of a struct from metadata, where <c>StructLayout</c> and <c>FieldOffset</c> are
    /// invisible. Two kinds can be known all the same: an inline array (its attribute is a real one,
    /// and the CLR lays it out as its element repeated), and a generated uapi record, whose every
    /// field says where it lies with <c>[UapiField]</c>. Anything else could invent or hide an
    /// overlap, and has no layout.
    /// </summary>
    private TypeLayout? ComputeMetadataLayout(INamedTypeSymbol type, int depth)
    {
        var fields = InstanceFields(type).ToList();
        var inlineLength = ReadInlineArrayLength(type);
        if (inlineLength != 0)
        {
            return inlineLength > 0 && fields.Count == 1 ? InlineArrayLayout(fields[0], inlineLength, depth) : null;
        }

        var offsets = ImmutableDictionary.CreateBuilder<IFieldSymbol, int>(SymbolEqualityComparer.Default);
        var alignment = 1;
        var extent = 0;
        foreach (var field in fields)
        {
            var range = UapiFieldRange.Read(field);
            var fieldLayout = GetFieldLayout(field, depth);
            if (range is null || fieldLayout is null || fieldLayout.Value.Size != range.Value.Size || range.Value.End > MaximumSize)
            {
                return null;
            }

            offsets[field] = range.Value.Offset;
            alignment = Math.Max(alignment, fieldLayout.Value.Alignment);
            extent = Math.Max(extent, range.Value.End);
        }

        // Bitfields are properties over bytes no field names; they still span the record.
        var bitfields = 0;
        foreach (var property in type.GetMembers().OfType<IPropertySymbol>())
        {
            if (property.IsStatic || UapiFieldRange.Read(property) is not { } range || range.End > MaximumSize)
            {
                continue;
            }

            bitfields++;
            alignment = Math.Max(alignment, GetLayout(property.Type, depth + 1)?.Alignment ?? 1);
            extent = Math.Max(extent, range.End);
        }

        if (fields.Count + bitfields == 0)
        {
            return null;
        }

        // The C size is not recorded: the extent rounded up to the alignment is what C gives a
        // record without packing or alignment attributes (the CLR then agrees with the generated Size).
        return new TypeLayout(RoundUp(extent, alignment), alignment, isExplicit: true, offsets.ToImmutable());
    }

    private TypeLayout? ComputeStructLayout(INamedTypeSymbol type, int depth)
    {
        var layoutKind = 0;
        var pack = 0;
        var declaredSize = 0;
        var inlineLength = 0;
        foreach (var attribute in type.OriginalDefinition.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, _structLayoutAttribute))
            {
                if (attribute.ConstructorArguments.Length != 1 || !TryGetInt(attribute.ConstructorArguments[0].Value, out layoutKind))
                {
                    return null;
                }

                foreach (var named in attribute.NamedArguments)
                {
                    if (named.Key == "Pack" && !TryGetInt(named.Value.Value, out pack))
                    {
                        return null;
                    }

                    if (named.Key == "Size" && !TryGetInt(named.Value.Value, out declaredSize))
                    {
                        return null;
                    }
                }
            }
            else if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, _inlineArrayAttribute))
            {
                if (attribute.ConstructorArguments.Length != 1 || !TryGetInt(attribute.ConstructorArguments[0].Value, out inlineLength) || inlineLength <= 0)
                {
                    return null;
                }
            }
        }

        if (layoutKind == LayoutKindAuto || pack < 0 || declaredSize < 0 || declaredSize > MaximumSize)
        {
            return null;
        }

        var fields = InstanceFields(type).ToList();
        var fieldLayouts = new List<(IFieldSymbol Field, int Size, int Alignment)>(fields.Count);
        foreach (var field in fields)
        {
            var fieldLayout = GetFieldLayout(field, depth);
            if (fieldLayout is null)
            {
                return null;
            }

            fieldLayouts.Add((field, fieldLayout.Value.Size, fieldLayout.Value.Alignment));
        }

        if (inlineLength > 0)
        {
            return fieldLayouts.Count == 1 ? InlineArrayLayout(fieldLayouts[0].Field, inlineLength, depth) : null;
        }

        var offsets = ImmutableDictionary.CreateBuilder<IFieldSymbol, int>(SymbolEqualityComparer.Default);
        var alignment = 1;
        var extent = 0;
        if (layoutKind == LayoutKindExplicit)
        {
            foreach (var (field, size, fieldAlignment) in fieldLayouts)
            {
                var offset = ReadFieldOffset(field);
                if (offset is null)
                {
                    return null;
                }

                if ((long)offset.Value + size > MaximumSize)
                {
                    return null;
                }

                offsets[field] = offset.Value;
                alignment = Math.Max(alignment, Packed(fieldAlignment, pack));
                extent = Math.Max(extent, offset.Value + size);
            }
        }
        else
        {
            if (type.OriginalDefinition.DeclaringSyntaxReferences.Length > 1 && fieldLayouts.Count > 1)
            {
                // The order of fields across the parts of a partial struct is not defined (CS0282).
                return null;
            }

            foreach (var (field, size, fieldAlignment) in fieldLayouts)
            {
                var effective = Packed(fieldAlignment, pack);
                extent = RoundUp(extent, effective);
                if ((long)extent + size > MaximumSize)
                {
                    return null;
                }

                offsets[field] = extent;
                extent += size;
                alignment = Math.Max(alignment, effective);
            }
        }

        var total = fieldLayouts.Count == 0 ? 1 : RoundUp(extent, alignment);
        return new TypeLayout(Math.Max(total, declaredSize), alignment, layoutKind == LayoutKindExplicit, offsets.ToImmutable());
    }

    private TypeLayout? InlineArrayLayout(IFieldSymbol element, int length, int depth)
    {
        var elementLayout = GetFieldLayout(element, depth);
        var arraySize = (long)(elementLayout?.Size ?? 0) * length;
        if (elementLayout is null || arraySize > MaximumSize)
        {
            return null;
        }

        return new TypeLayout(
            (int)arraySize,
            elementLayout.Value.Alignment,
            isExplicit: false,
            ImmutableDictionary.Create<IFieldSymbol, int>(SymbolEqualityComparer.Default).Add(element, 0));
    }

    /// <summary>The length of <c>[InlineArray(n)]</c> on <paramref name="type"/>: 0 without it, -1 when malformed.</summary>
    private int ReadInlineArrayLength(INamedTypeSymbol type)
    {
        foreach (var attribute in type.OriginalDefinition.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, _inlineArrayAttribute))
            {
                return attribute.ConstructorArguments.Length == 1 && TryGetInt(attribute.ConstructorArguments[0].Value, out var length) && length > 0 ? length : -1;
            }
        }

        return 0;
    }

    private (int Size, int Alignment)? GetFieldLayout(IFieldSymbol field, int depth)
    {
        if (field.IsFixedSizeBuffer)
        {
            if (field.Type is not IPointerTypeSymbol pointer || field.FixedSize <= 0)
            {
                return null;
            }

            var element = GetLayout(pointer.PointedAtType, depth + 1);
            var bufferSize = (long)(element?.Size ?? 0) * field.FixedSize;
            return element is null || bufferSize > MaximumSize ? null : ((int)bufferSize, element.Alignment);
        }

        if (field.Type.IsReferenceType || field.Type.TypeKind == TypeKind.TypeParameter)
        {
            return null;
        }

        var layout = GetLayout(field.Type, depth + 1);
        return layout is null ? null : (layout.Size, layout.Alignment);
    }

    private int? ReadFieldOffset(IFieldSymbol field)
    {
        foreach (var attribute in field.OriginalDefinition.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, _fieldOffsetAttribute)
                && attribute.ConstructorArguments.Length == 1
                && TryGetInt(attribute.ConstructorArguments[0].Value, out var offset)
                && offset >= 0)
            {
                return offset;
            }
        }

        // Generated code in source has both attributes; [UapiField] alone is as good a witness.
        return UapiFieldRange.Read(field)?.Offset;
    }

    private bool HasOverlap(ITypeSymbol type, int depth)
    {
        if (depth > MaximumNesting || type.TypeKind != TypeKind.Struct)
        {
            return false;
        }

        if (_overlaps.TryGetValue(type, out var known))
        {
            return known;
        }

        var result = ComputeOverlap(type, depth);
        _overlaps.TryAdd(type, result);
        return result;
    }

    private bool ComputeOverlap(ITypeSymbol type, int depth)
    {
        var layout = GetLayout(type, depth);
        if (layout is null)
        {
            return false;
        }

        var ranges = new List<(int Start, int End)>();
        foreach (var field in InstanceFields(type))
        {
            if (!layout.FieldOffsets.TryGetValue(field, out var offset))
            {
                return false;
            }

            if (HasOverlap(field.Type, depth + 1))
            {
                return true;
            }

            var size = SizeOfField(field);
            if (size > 0)
            {
                ranges.Add((offset, offset + size));
            }
        }

        if (!layout.IsExplicit)
        {
            return false;
        }

        ranges.Sort((a, b) => a.Start.CompareTo(b.Start));
        for (var i = 1; i < ranges.Count; i++)
        {
            var end = ranges[i - 1].End;
            if (ranges[i].Start < end)
            {
                return true;
            }

            ranges[i] = (ranges[i].Start, Math.Max(ranges[i].End, end));
        }

        return false;
    }

    /// <summary>The number of bytes a field occupies, or -1 when unknown.</summary>
    public int SizeOfField(IFieldSymbol field) => GetFieldLayout(field, 0)?.Size ?? -1;

    private ImmutableArray<ImmutableArray<IFieldSymbol>> GetUnionPaths(ITypeSymbol type, int depth)
    {
        if (depth > MaximumNesting || type.TypeKind != TypeKind.Struct)
        {
            return ImmutableArray<ImmutableArray<IFieldSymbol>>.Empty;
        }

        if (_unionPaths.TryGetValue(type, out var known))
        {
            return known;
        }

        var result = ComputeUnionPaths(type, depth);
        _unionPaths.TryAdd(type, result);
        return result;
    }

    private ImmutableArray<ImmutableArray<IFieldSymbol>> ComputeUnionPaths(ITypeSymbol type, int depth)
    {
        if (HasOverlap(type, depth))
        {
            return ImmutableArray.Create(ImmutableArray<IFieldSymbol>.Empty);
        }

        if (type.SpecialType != SpecialType.None)
        {
            return ImmutableArray<ImmutableArray<IFieldSymbol>>.Empty;
        }

        var paths = ImmutableArray.CreateBuilder<ImmutableArray<IFieldSymbol>>();
        foreach (var field in InstanceFields(type))
        {
            if (field.IsFixedSizeBuffer || !field.Type.IsValueType)
            {
                continue;
            }

            foreach (var inner in GetUnionPaths(field.Type, depth + 1))
            {
                paths.Add(inner.Insert(0, field));
            }
        }

        return paths.ToImmutable();
    }

    private static int Packed(int alignment, int pack) => pack > 0 ? Math.Min(alignment, pack) : alignment;

    private static int RoundUp(int value, int alignment) => alignment <= 1 ? value : (value + alignment - 1) / alignment * alignment;

    private static bool TryGetInt(object? value, out int result)
    {
        switch (value)
        {
            case int i:
                result = i;
                return true;
            case short s:
                result = s;
                return true;
            default:
                result = 0;
                return false;
        }
    }
}
