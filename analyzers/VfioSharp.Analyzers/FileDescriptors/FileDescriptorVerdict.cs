using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace VfioSharp.Analyzers.FileDescriptors;

/// <summary>
/// Decides, once every body of the compilation has been seen, which fd members can be read while
/// still 0, and produces one diagnostic per bug:
/// <list type="bullet">
/// <item>at the member's declaration when nothing ever assigns it, or when some way of constructing
/// the type leaves it at 0 (a constructor that can return without assigning it and is callable
/// from elsewhere, or a creation site that hands the instance on before assigning it), and the
/// member is read somewhere the flow could not prove assigned;</item>
/// <item>at the first read when one specific creation site leaves it at 0 on a path to that read
/// (an object initializer that sets every member but the fd, then an error path that closes it),
/// unless the declaration is already reported and an initializer there would fix this site too.</item>
/// </list>
/// </summary>
internal sealed class FileDescriptorVerdict
{
    private const int MaxAdditionalReads = 8;

    private readonly Compilation _compilation;
    private readonly FileDescriptorObservations _observations;
    private readonly DiagnosticDescriptor _rule;
    private readonly CancellationToken _cancellationToken;
    private readonly HashSet<IMethodSymbol> _visiting = new(SymbolEqualityComparer.Default);

    public FileDescriptorVerdict(
        Compilation compilation,
        FileDescriptorObservations observations,
        DiagnosticDescriptor rule,
        CancellationToken cancellationToken)
    {
        _compilation = compilation;
        _observations = observations;
        _rule = rule;
        _cancellationToken = cancellationToken;
    }

    public IEnumerable<Diagnostic> Decide()
    {
        var declarationFindings = new Dictionary<ISymbol, DeclarationFinding>(SymbolEqualityComparer.Default);
        foreach (var reads in _observations.Reads.GroupBy(r => r.Member, SymbolEqualityComparer.Default))
        {
            _cancellationToken.ThrowIfCancellationRequested();
            var member = reads.Key!;
            var finding = DecideDeclaration(member, reads);
            if (finding is not null)
            {
                declarationFindings.Add(member, finding);
            }
        }

        var diagnostics = new List<Diagnostic>();
        foreach (var bySite in _observations.ReadsAtZero.GroupBy(f => f.Site))
        {
            var site = bySite.Key;
            foreach (var byMember in bySite.GroupBy(f => f.Member, SymbolEqualityComparer.Default))
            {
                var member = byMember.Key!;
                if (!site.IsZeroed && ConstructorAssigns(site.Constructor!, member))
                {
                    continue;
                }

                var reads = Ordered(byMember.Select(f => f.Location));
                if (!site.IsZeroed && declarationFindings.TryGetValue(member, out var declaration))
                {
                    // An initializer on the declaration fixes this site as well: one bug, one diagnostic.
                    declaration.Reads.AddRange(reads);
                    continue;
                }

                diagnostics.Add(SiteDiagnostic(site, member, reads));
            }
        }

        diagnostics.AddRange(declarationFindings.Values.Select(DeclarationDiagnostic));
        return diagnostics;
    }

    private DeclarationFinding? DecideDeclaration(ISymbol member, IEnumerable<MemberRead> reads)
    {
        if (FileDescriptorMembers.IsPositionalRecordProperty(member) || FileDescriptorMembers.IsRequired(member))
        {
            return null;
        }

        var observable = reads
            .Where(r => !_observations.AssignedReads.ContainsKey(r.Location))
            .Where(r => !(r.ThroughThis && _observations.ThisReadFacts.TryGetValue(r.Location, out var facts) && Derives(facts, member)))
            .Select(r => r.Location)
            .ToList();
        if (observable.Count == 0)
        {
            return null;
        }

        var type = member.ContainingType;
        if (type.IsValueType && _observations.OpaqueStructs.ContainsKey(type))
        {
            // Filled wholesale somewhere (the kernel writes ioctl replies through a pointer): only
            // the creation-site flow, which sees the fill, can tell a read at 0.
            return null;
        }

        var neverWritten = !_observations.Written.ContainsKey(member) && !InitializerAssigns(member);
        var reason = neverWritten ? "nothing assigns it" : LeakingConstruction(member);
        return reason is null ? null : new DeclarationFinding(member, reason, Ordered(observable));
    }

    /// <summary>A way to construct the member's type that leaves it at 0, described for the message; null when there is none.</summary>
    private string? LeakingConstruction(ISymbol member)
    {
        var type = member.ContainingType;
        foreach (var constructor in type.InstanceConstructors)
        {
            var definition = constructor.OriginalDefinition;
            if ((type.IsValueType && definition.IsImplicitlyDeclared) || ConstructorAssigns(definition, member))
            {
                continue;
            }

            var creations = _observations.CreationsOf(definition);
            var derivedChains = _observations.Summaries.Values
                .Where(s => SymbolEqualityComparer.Default.Equals(s.ChainedConstructor, definition) && !s.ChainsToOwnType)
                .ToList();
            if (creations.Count == 0 && derivedChains.Count == 0)
            {
                if (definition.DeclaredAccessibility == Accessibility.Private)
                {
                    continue;
                }

                return IsImplicitOrPrimary(definition)
                    ? "no constructor or initializer assigns it"
                    : $"constructor '{Display(definition)}' can return without assigning it";
            }

            foreach (var escape in _observations.EscapesAtZero)
            {
                if (SymbolEqualityComparer.Default.Equals(escape.Member, member)
                    && SymbolEqualityComparer.Default.Equals(escape.Site.Constructor, definition))
                {
                    return string.Format(
                        CultureInfo.InvariantCulture,
                        "the {0} created at line {1} is handed on at line {2} before anything assigns it",
                        type.Name,
                        LineOf(escape.Site.Syntax.GetLocation()),
                        LineOf(escape.Location));
                }
            }

            foreach (var chain in derivedChains)
            {
                if (!ConstructorAssigns(chain.Method, member))
                {
                    return $"constructor '{Display(chain.Method)}' can return without assigning it";
                }
            }
        }

        return null;
    }

    private bool Derives(ImmutableHashSet<ISymbol> facts, ISymbol member)
        => facts.Contains(member) || facts.OfType<IMethodSymbol>().Any(method => MethodAssigns(method, member));

    private bool MethodAssigns(IMethodSymbol method, ISymbol member)
    {
        if (method.MethodKind == MethodKind.Constructor)
        {
            return ConstructorAssigns(method, member);
        }

        if (!_visiting.Add(method))
        {
            return false;
        }

        try
        {
            return _observations.Summaries.TryGetValue(method, out var summary)
                   && (summary.ExitFacts is null || Derives(summary.ExitFacts, member));
        }
        finally
        {
            _visiting.Remove(method);
        }
    }

    /// <summary>Whether every normal return of <paramref name="constructor"/> leaves <paramref name="member"/> assigned.</summary>
    private bool ConstructorAssigns(IMethodSymbol constructor, ISymbol member)
    {
        if (FileDescriptorMembers.IsPositionalRecordProperty(member) || FileDescriptorMembers.IsRequired(member))
        {
            return true;
        }

        if (IsRecordCopyConstructor(constructor))
        {
            // `with` clones an existing instance: the fd is whatever the original held.
            return true;
        }

        if (!IsSameOrBase(member.ContainingType, constructor.ContainingType))
        {
            // object's constructor, a base class's constructor for a member of a derived class:
            // a constructor only assigns members of its own type and its base types.
            return false;
        }

        if (!_visiting.Add(constructor))
        {
            return false;
        }

        try
        {
            var declaredHere = SymbolEqualityComparer.Default.Equals(member.ContainingType, constructor.ContainingType);
            if (!_observations.Summaries.TryGetValue(constructor, out var summary))
            {
                if (!IsImplicitOrPrimary(constructor))
                {
                    // A body this analyzer never saw (generated code): nothing can be claimed about it.
                    return true;
                }

                if (constructor.ContainingType.IsValueType && constructor.IsImplicitlyDeclared)
                {
                    return false;
                }

                if (!declaredHere)
                {
                    var baseConstructor = constructor.ContainingType.BaseType?.InstanceConstructors
                        .FirstOrDefault(c => c.Parameters.IsEmpty);
                    return baseConstructor is not null && ConstructorAssigns(baseConstructor.OriginalDefinition, member);
                }

                return InitializerAssigns(member);
            }

            if (summary.ExitFacts is null || Derives(summary.ExitFacts, member))
            {
                return true;
            }

            return declaredHere && !summary.ChainsToOwnType && InitializerAssigns(member);
        }
        finally
        {
            _visiting.Remove(constructor);
        }
    }

    private static bool IsRecordCopyConstructor(IMethodSymbol constructor)
        => constructor.ContainingType.IsRecord
           && constructor.Parameters.Length == 1
           && SymbolEqualityComparer.Default.Equals(constructor.Parameters[0].Type.OriginalDefinition, constructor.ContainingType.OriginalDefinition);

    private static bool IsSameOrBase(INamedTypeSymbol candidate, INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type.OriginalDefinition; current is not null; current = current.BaseType?.OriginalDefinition)
        {
            if (SymbolEqualityComparer.Default.Equals(current, candidate.OriginalDefinition))
            {
                return true;
            }
        }

        return false;
    }

    private bool InitializerAssigns(ISymbol member)
    {
        if (_observations.InitializerAssigns.TryGetValue(member, out var assigns))
        {
            return assigns;
        }

        // An initializer the analyzer never saw (generated code) is taken to assign.
        return member.DeclaringSyntaxReferences.Any(reference => reference.GetSyntax(_cancellationToken) switch
        {
            VariableDeclaratorSyntax declarator => declarator.Initializer is not null,
            PropertyDeclarationSyntax property => property.Initializer is not null,
            _ => false,
        });
    }

    private static bool IsImplicitOrPrimary(IMethodSymbol constructor)
        => constructor.IsImplicitlyDeclared
           || constructor.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is TypeDeclarationSyntax);

    private Diagnostic DeclarationDiagnostic(DeclarationFinding finding)
    {
        var member = finding.Member;
        var reads = finding.Reads.Distinct().Take(MaxAdditionalReads + 1).ToList();
        var declaration = member.Locations.FirstOrDefault(l => l.IsInSource);
        if (declaration is null || GeneratedCode.IsGenerated(declaration.SourceTree!, _cancellationToken))
        {
            // The declaration can't be edited: point at the reads.
            return Diagnostic.Create(_rule, reads[0], reads.Skip(1), properties: null, member.Name, finding.Reason);
        }

        var properties = CanInitializeDeclaration(member)
            ? ImmutableDictionary<string, string?>.Empty.Add(FileDescriptorFix.Key, FileDescriptorFix.DeclarationInitializer)
            : null;
        return Diagnostic.Create(_rule, declaration, reads.Take(MaxAdditionalReads), properties, member.Name, finding.Reason);
    }

    private Diagnostic SiteDiagnostic(CreationSite site, ISymbol member, List<Location> reads)
    {
        var siteLocation = site.Syntax.GetLocation();
        var reason = string.Format(
            CultureInfo.InvariantCulture,
            site.IsZeroed
                ? "the zeroed {0} from line {1} still has it at 0 on a path to this read"
                : "the {0} created at line {1} still has it at 0 on a path to this read",
            site.Type.Name,
            LineOf(siteLocation));
        var properties = CanInitializeAtSite(site, member)
            ? ImmutableDictionary<string, string?>.Empty
                .Add(FileDescriptorFix.Key, FileDescriptorFix.ObjectInitializer)
                .Add(FileDescriptorFix.MemberKey, member.Name)
            : null;
        var additional = new[] { siteLocation }.Concat(reads.Skip(1).Take(MaxAdditionalReads));
        return Diagnostic.Create(_rule, reads[0], additional, properties, member.Name, reason);
    }

    private static bool CanInitializeDeclaration(ISymbol member)
    {
        var type = member.ContainingType;
        if (type.IsValueType && type.InstanceConstructors.All(c => c.IsImplicitlyDeclared))
        {
            // C# rejects field initializers in a struct without a declared constructor (CS8983).
            return false;
        }

        return member.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() switch
        {
            VariableDeclaratorSyntax => member is IFieldSymbol { IsConst: false },
            PropertyDeclarationSyntax { AccessorList: { } accessors } => accessors.Accessors.All(a => a.Body is null && a.ExpressionBody is null),
            _ => false,
        };
    }

    private bool CanInitializeAtSite(CreationSite site, ISymbol member)
    {
        if (site.Syntax is not BaseObjectCreationExpressionSyntax)
        {
            return false;
        }

        var within = site.ContainingSymbol as INamedTypeSymbol ?? site.ContainingSymbol.ContainingType;
        if (within is null)
        {
            return false;
        }

        return member switch
        {
            IFieldSymbol field => !field.IsReadOnly && !field.IsConst && _compilation.IsSymbolAccessibleWithin(field, within),
            IPropertySymbol { SetMethod: { } setter } => _compilation.IsSymbolAccessibleWithin(setter, within),
            _ => false,
        };
    }

    private static List<Location> Ordered(IEnumerable<Location> locations)
        => locations.Distinct()
            .OrderBy(l => l.SourceTree?.FilePath, System.StringComparer.Ordinal)
            .ThenBy(l => l.SourceSpan.Start)
            .ToList();

    private static int LineOf(Location location) => location.GetLineSpan().StartLinePosition.Line + 1;

    private static string Display(IMethodSymbol constructor)
        => constructor.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);

    private sealed class DeclarationFinding
    {
        public DeclarationFinding(ISymbol member, string reason, List<Location> reads)
        {
            Member = member;
            Reason = reason;
            Reads = reads;
        }

        public ISymbol Member { get; }

        public string Reason { get; }

        public List<Location> Reads { get; }
    }
}
