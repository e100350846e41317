using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>
/// The byte range that <c>[VfioSharp.UapiField(offset, size)]</c> gives a generated uapi field or
/// bitfield property. <c>FieldOffset</c> and <c>StructLayout</c> are not custom attributes in
/// metadata, so for a record compiled into another assembly (the runtime's <c>VfioSharp.Uapi</c>)
/// this is the only place its layout can be read. The attribute is matched by its metadata name:
/// the assembly that defines it need not be the one the compilation would resolve the name to.
/// </summary>
internal readonly struct UapiFieldRange
{
    private const string AttributeName = "UapiFieldAttribute";
    private const string AttributeNamespace = "VfioSharp";

    private UapiFieldRange(int offset, int size)
    {
        Offset = offset;
        Size = size;
    }

    public int Offset { get; }

    public int Size { get; }

    public int End => Offset + Size;

    /// <summary>The range <paramref name="member"/> is annotated with, or null when it has none (or a malformed one).</summary>
    public static UapiFieldRange? Read(ISymbol member)
    {
        foreach (var attribute in member.OriginalDefinition.GetAttributes())
        {
            if (IsUapiField(attribute.AttributeClass)
                && attribute.ConstructorArguments.Length == 2
                && attribute.ConstructorArguments[0].Value is int offset
                && attribute.ConstructorArguments[1].Value is int size
                && offset >= 0
                && size > 0
                && (long)offset + size <= int.MaxValue)
            {
                return new UapiFieldRange(offset, size);
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="type"/> is <c>VfioSharp.UapiFieldAttribute</c>, whichever assembly defines it.</summary>
    public static bool IsUapiField(INamedTypeSymbol? type)
        => type is { Name: AttributeName, ContainingType: null, ContainingNamespace: { Name: AttributeNamespace, ContainingNamespace.IsGlobalNamespace: true } };
}
