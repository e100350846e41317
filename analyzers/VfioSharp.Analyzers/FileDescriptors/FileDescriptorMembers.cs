using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace VfioSharp.Analyzers.FileDescriptors;

/// <summary>
/// Decides which instance members hold a file descriptor: int/long/nint fields and auto-properties
/// marked <c>VfioSharp.FileDescriptorAttribute</c>, and int fields and auto-properties named like one
/// (<c>fd</c>, <c>_fd</c>, <c>m_fd</c>, <c>groupFd</c>, <c>vfio_group_fd</c>, <c>GROUP_FD</c>).
/// Only types declared in source are considered: a referenced assembly's constructors and
/// assignments can't be inspected, so nothing can be proven about its fields.
/// </summary>
internal sealed class FileDescriptorMembers
{
    private const string AttributeName = "FileDescriptorAttribute";
    private const string AttributeNamespace = "VfioSharp";

    private readonly ConcurrentDictionary<INamedTypeSymbol, ImmutableArray<ISymbol>> _declared =
        new(SymbolEqualityComparer.Default);

    private readonly ConcurrentDictionary<INamedTypeSymbol, bool> _hasOwnOrInherited =
        new(SymbolEqualityComparer.Default);

    private readonly ConcurrentDictionary<INamedTypeSymbol, ImmutableArray<ISymbol>> _instanceMembers =
        new(SymbolEqualityComparer.Default);

    private readonly ConcurrentDictionary<IPropertySymbol, bool> _autoProperties =
        new(SymbolEqualityComparer.Default);

    /// <summary>The fd members that <paramref name="type"/> itself declares (not inherited ones).</summary>
    public ImmutableArray<ISymbol> DeclaredBy(ITypeSymbol? type)
    {
        if (type is not INamedTypeSymbol named || named.TypeKind is not (TypeKind.Class or TypeKind.Struct))
        {
            return ImmutableArray<ISymbol>.Empty;
        }

        return _declared.GetOrAdd(named.OriginalDefinition, static t => Collect(t));
    }

    /// <summary>Whether <paramref name="type"/> or one of its source base classes declares an fd member.</summary>
    public bool DeclaredByOrInherited(INamedTypeSymbol type)
    {
        return _hasOwnOrInherited.GetOrAdd(type.OriginalDefinition, t =>
        {
            for (INamedTypeSymbol? current = t; current is not null; current = current.BaseType?.OriginalDefinition)
            {
                if (!DeclaredBy(current).IsEmpty)
                {
                    return true;
                }
            }

            return false;
        });
    }

    /// <summary>
    /// The fd members of an instance of <paramref name="type"/>: its own, then those of its source
    /// base classes. The order is stable, so an index into it identifies a member.
    /// </summary>
    public ImmutableArray<ISymbol> InstanceMembersOf(INamedTypeSymbol type)
    {
        return _instanceMembers.GetOrAdd(type.OriginalDefinition, t =>
        {
            if (!DeclaredByOrInherited(t))
            {
                return ImmutableArray<ISymbol>.Empty;
            }

            var builder = ImmutableArray.CreateBuilder<ISymbol>();
            for (INamedTypeSymbol? current = t; current is not null; current = current.BaseType?.OriginalDefinition)
            {
                builder.AddRange(DeclaredBy(current));
            }

            return builder.ToImmutable();
        });
    }

    /// <summary>Whether the property is an auto-property: its accessors only load and store a compiler-made field.</summary>
    public bool IsAutoProperty(IPropertySymbol property)
        => _autoProperties.GetOrAdd(property.OriginalDefinition, static p => p.ContainingType.GetMembers().OfType<IFieldSymbol>()
            .Any(f => SymbolEqualityComparer.Default.Equals(f.AssociatedSymbol, p)));

    /// <summary>Whether <paramref name="member"/> (a field or property, possibly of a constructed type) is an fd member.</summary>
    public bool Contains(ISymbol? member)
    {
        if (member is not (IFieldSymbol or IPropertySymbol) || member.IsStatic)
        {
            return false;
        }

        var definition = member.OriginalDefinition;
        return DeclaredBy(definition.ContainingType).Contains(definition, SymbolEqualityComparer.Default);
    }

    /// <summary>Whether the property was declared as a positional parameter of a record, which its primary constructor always assigns.</summary>
    public static bool IsPositionalRecordProperty(ISymbol member)
        => member is IPropertySymbol property
           && property.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is ParameterSyntax);

    /// <summary>Whether the C# compiler forces every creation site to assign the member.</summary>
    public static bool IsRequired(ISymbol member)
        => member switch
        {
            IFieldSymbol field => field.IsRequired,
            IPropertySymbol property => property.IsRequired,
            _ => false,
        };

    private static ImmutableArray<ISymbol> Collect(INamedTypeSymbol type)
    {
        // Anonymous types and compiler-made types have no constructor or initializer anyone could fix.
        if (type.IsAnonymousType || type.IsImplicitlyDeclared || !type.Locations.Any(l => l.IsInSource))
        {
            return ImmutableArray<ISymbol>.Empty;
        }

        var members = type.GetMembers();
        var backingFields = new Dictionary<ISymbol, IFieldSymbol>(SymbolEqualityComparer.Default);
        foreach (var field in members.OfType<IFieldSymbol>())
        {
            if (field.AssociatedSymbol is IPropertySymbol associated)
            {
                backingFields[associated] = field;
            }
        }

        var builder = ImmutableArray.CreateBuilder<ISymbol>();
        foreach (var member in members)
        {
            switch (member)
            {
                case IFieldSymbol { IsStatic: false, IsConst: false, IsImplicitlyDeclared: false } field
                    when Qualifies(field.Type, field.Name, field.GetAttributes()):
                    builder.Add(field);
                    break;
                case IPropertySymbol { IsStatic: false, IsIndexer: false } property:
                    if (backingFields.TryGetValue(property, out var backingField)
                        && Qualifies(property.Type, property.Name, property.GetAttributes().AddRange(backingField.GetAttributes())))
                    {
                        builder.Add(property);
                    }

                    break;
            }
        }

        return builder.ToImmutable();
    }

    private static bool Qualifies(ITypeSymbol type, string name, ImmutableArray<AttributeData> attributes)
    {
        if (attributes.Any(IsFileDescriptorAttribute))
        {
            return type.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64 or SpecialType.System_IntPtr;
        }

        return type.SpecialType == SpecialType.System_Int32 && IsNamedLikeFileDescriptor(name);
    }

    private static bool IsFileDescriptorAttribute(AttributeData attribute)
        => attribute.AttributeClass is { Name: AttributeName } attributeClass
           && attributeClass.ContainingNamespace is { Name: AttributeNamespace } ns
           && ns.ContainingNamespace is { IsGlobalNamespace: true };

    /// <summary>
    /// <c>fd</c> in any case, alone or behind a <c>_</c>/<c>m_</c> prefix, or a name ending in
    /// <c>Fd</c>, <c>_fd</c> or <c>FD</c>. Case matters for the suffix so that words merely ending
    /// in "fd" don't qualify, and nothing that continues after "fd" (<c>fdCount</c>, <c>fds</c>) does.
    /// </summary>
    internal static bool IsNamedLikeFileDescriptor(string name)
    {
        var bare = name.StartsWith("m_", StringComparison.Ordinal) ? name.Substring(2)
            : name.StartsWith("_", StringComparison.Ordinal) ? name.Substring(1)
            : name;
        if (string.Equals(bare, "fd", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return name.Length > 2
               && (name.EndsWith("Fd", StringComparison.Ordinal)
                   || name.EndsWith("_fd", StringComparison.Ordinal)
                   || name.EndsWith("FD", StringComparison.Ordinal));
    }
}
