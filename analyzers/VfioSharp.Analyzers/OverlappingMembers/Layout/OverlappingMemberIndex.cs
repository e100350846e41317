using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Operations;
using VfioSharp.Analyzers.Bodies;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>
/// The pairs of fields that share bytes in the explicit-layout structs the compilation declares or
/// uses from its references (generated uapi records). A clobber or
/// a punning read needs two such fields of one struct named in one method body (the two arms where
/// the paths part), so a method that doesn't name a pair is skipped before any graph is built:
/// first by identifier names in its syntax, then exactly by the fields its operations reference.
/// </summary>
internal sealed class OverlappingMemberIndex
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SyntaxTree, string> TreeTexts = new();

    private readonly StructLayoutCatalog _catalog;
    private readonly Dictionary<string, HashSet<string>> _overlappingNames = new(System.StringComparer.Ordinal);
    private readonly NameTable<HashSet<string>> _names;

    public OverlappingMemberIndex(
        StructLayoutCatalog catalog,
        IEnumerable<INamedTypeSymbol> structs,
        IEnumerable<(string Name, string Partner)> referencedPairs)
    {
        _catalog = catalog;
        foreach (var type in structs)
        {
            foreach (var (name, partner) in OverlappingPairs(catalog, type))
            {
                Add(name, partner);
            }
        }

        foreach (var (name, partner) in referencedPairs)
        {
            Add(name, partner);
        }

        _names = new NameTable<HashSet<string>>(_overlappingNames);
    }

    /// <summary>The names of the fields of <paramref name="type"/> that share bytes, each pair in both orders.</summary>
    public static IEnumerable<(string Name, string Partner)> OverlappingPairs(StructLayoutCatalog catalog, INamedTypeSymbol type)
    {
        if (catalog.GetLayout(type) is not { IsExplicit: true })
        {
            yield break;
        }

        var fields = StructLayoutCatalog.InstanceFields(type).ToList();
        for (var i = 0; i < fields.Count; i++)
        {
            for (var j = i + 1; j < fields.Count; j++)
            {
                if (Overlap(catalog, type, fields[i], fields[j]))
                {
                    yield return (fields[i].Name, fields[j].Name);
                    yield return (fields[j].Name, fields[i].Name);
                }
            }
        }
    }

    /// <summary>Whether the compilation has any explicit-layout struct with overlapping fields.</summary>
    public bool IsEmpty => _overlappingNames.Count == 0;

    /// <summary>
    /// Cheap and coarse: does the source text of <paramref name="body"/> name two overlapping fields
    /// of some struct? One pass over its characters cuts out every identifier-like word (those of
    /// comments and strings too, which the exact check then drops) and looks each up in the names,
    /// without building the syntax nodes and tokens a walk of the tree would materialize (that walk
    /// cost more than the rest of the rule on code that names no union) and without a substring
    /// search per name (hundreds of names from the uapi records, each searched through every body,
    /// cost more than the walk).
    /// </summary>
    public bool MayNameOverlappingPair(SyntaxNode body)
    {
        // The tree's text once per tree, searched within the body's span: no string per body.
        var text = TreeTexts.GetValue(body.SyntaxTree, static tree => tree.GetText().ToString());
        var names = _names;
        var end = body.Span.End;
        List<string>? seen = null;
        for (var i = body.SpanStart; i < end;)
        {
            var part = Classify(text[i]);
            if (part == CharacterClass.Other)
            {
                // A Unicode escape can spell an identifier (\u0069oas_id); only tokens show its name.
                if (text[i] == '\\' && i + 1 < end && text[i + 1] is 'u' or 'U')
                {
                    return MayNameOverlappingPairByTokens(body);
                }

                i++;
                continue;
            }

            var start = i;
            for (; i < end && (part = Classify(text[i])) == CharacterClass.IdentifierPart; i++)
            {
            }

            if (part == CharacterClass.Format)
            {
                // The compiler drops formatting characters from identifiers (ioas\u200B_id is ioas_id).
                return MayNameOverlappingPairByTokens(body);
            }

            if (names.TryGet(text, start, i - start, out var name, out var partners))
            {
                // The names seen are few; a common name (flags) has many partners.
                seen ??= new List<string>();
                foreach (var other in seen)
                {
                    if (partners.Contains(other))
                    {
                        return true;
                    }
                }

                if (!seen.Contains(name))
                {
                    seen.Add(name);
                }
            }
        }

        return false;
    }

    private enum CharacterClass
    {
        Other,
        IdentifierPart,
        Format,
    }

    /// <summary>C#'s identifier-part characters (letters, digits, connectors, combining marks), the
    /// formatting characters it drops from identifiers, and the rest.</summary>
    private static CharacterClass Classify(char c)
    {
        if (c < 0x80)
        {
            return c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_'
                ? CharacterClass.IdentifierPart
                : CharacterClass.Other;
        }

        if (char.IsSurrogate(c))
        {
            // Taken as part of a word: a word too long only ever matches no name.
            return CharacterClass.IdentifierPart;
        }

        switch (CharUnicodeInfo.GetUnicodeCategory(c))
        {
            case UnicodeCategory.UppercaseLetter:
            case UnicodeCategory.LowercaseLetter:
            case UnicodeCategory.TitlecaseLetter:
            case UnicodeCategory.ModifierLetter:
            case UnicodeCategory.OtherLetter:
            case UnicodeCategory.LetterNumber:
            case UnicodeCategory.NonSpacingMark:
            case UnicodeCategory.SpacingCombiningMark:
            case UnicodeCategory.DecimalDigitNumber:
            case UnicodeCategory.ConnectorPunctuation:
                return CharacterClass.IdentifierPart;
            case UnicodeCategory.Format:
                return CharacterClass.Format;
            default:
                return CharacterClass.Other;
        }
    }

    private bool MayNameOverlappingPairByTokens(SyntaxNode body)
    {
        HashSet<string>? seen = null;
        foreach (var token in body.DescendantTokens())
        {
            if (token.IsKind(SyntaxKind.IdentifierToken) && _overlappingNames.TryGetValue(token.ValueText, out var partners))
            {
                seen ??= new HashSet<string>(System.StringComparer.Ordinal);
                if (seen.Overlaps(partners))
                {
                    return true;
                }

                seen.Add(token.ValueText);
            }
        }

        return false;
    }

    /// <summary>Exact: do the operations reference two fields of one explicit-layout struct that share bytes?</summary>
    public bool ReferencesOverlappingPair(IOperation root)
    {
        Dictionary<ITypeSymbol, List<IFieldSymbol>>? referenced = null;
        foreach (var reference in BodyOperations.Of(root).FieldReferences)
        {
            if (reference is not { Field: { IsStatic: false } field }
                || !_overlappingNames.ContainsKey(field.Name)
                || _catalog.GetLayout(field.ContainingType) is not { IsExplicit: true })
            {
                continue;
            }

            referenced ??= new Dictionary<ITypeSymbol, List<IFieldSymbol>>(SymbolEqualityComparer.Default);
            if (!referenced.TryGetValue(field.ContainingType, out var fields))
            {
                referenced.Add(field.ContainingType, fields = new List<IFieldSymbol>());
            }

            if (fields.Contains(field, SymbolEqualityComparer.Default))
            {
                continue;
            }

            foreach (var other in fields)
            {
                if (Overlap(_catalog, field.ContainingType, field, other))
                {
                    return true;
                }
            }

            fields.Add(field);
        }

        return false;
    }

    private static bool Overlap(StructLayoutCatalog catalog, ITypeSymbol type, IFieldSymbol left, IFieldSymbol right)
    {
        var layout = catalog.GetLayout(type);
        if (layout is null || !layout.FieldOffsets.TryGetValue(left, out var leftStart) || !layout.FieldOffsets.TryGetValue(right, out var rightStart))
        {
            return false;
        }

        var leftSize = catalog.SizeOfField(left);
        var rightSize = catalog.SizeOfField(right);
        return leftSize > 0 && rightSize > 0 && leftStart < rightStart + rightSize && rightStart < leftStart + leftSize;
    }

    private void Add(string name, string partner)
    {
        if (!_overlappingNames.TryGetValue(name, out var partners))
        {
            _overlappingNames.Add(name, partners = new HashSet<string>(System.StringComparer.Ordinal));
        }

        partners.Add(partner);
    }
}
