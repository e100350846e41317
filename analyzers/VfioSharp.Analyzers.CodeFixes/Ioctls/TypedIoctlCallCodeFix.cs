using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using VfioSharp.Analyzers.Ioctls;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace VfioSharp.Analyzers.CodeFixes.Ioctls;

/// <summary>
/// Fixes VFIO004 by replacing the raw ioctl call with the generated typed call that takes what the
/// call passes (<c>IoctlCall.Invoke(group, vfio.VFIO_GROUP_SET_CONTAINER, containerFd)</c> becomes
/// <c>group.TryVFIO_GROUP_SET_CONTAINER(containerFd)</c>), importing the typed calls' namespace when
/// needed. The analyzer offers it only where such a call exists and takes what is passed.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(TypedIoctlCallCodeFix))]
[Shared]
public sealed class TypedIoctlCallCodeFix : CodeFixProvider
{
    private const string EquivalenceKey = "VFIO004.UseTypedCall";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(IoctlMismatchAnalyzer.DiagnosticId);

    /// <inheritdoc/>
    /// <remarks>All the calls of a document are rewritten in one pass, so that the using is added once.</remarks>
    public override FixAllProvider GetFixAllProvider()
        => FixAllProvider.Create(async (context, document, diagnostics) => await FixAsync(document, diagnostics, context.CancellationToken).ConfigureAwait(false));

    /// <inheritdoc/>
    public override Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            if (Parse(diagnostic) is not { } fix)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Use the typed call '{fix.Method}'",
                    cancellationToken => FixAsync(context.Document, ImmutableArray.Create(diagnostic), cancellationToken),
                    EquivalenceKey),
                diagnostic);
        }

        return Task.CompletedTask;
    }

    private static async Task<Document> FixAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var replacements = new Dictionary<InvocationExpressionSyntax, ExpressionSyntax>();
        var imports = new HashSet<string>();
        foreach (var diagnostic in diagnostics)
        {
            if (Parse(diagnostic) is not { } fix)
            {
                continue;
            }

            var span = diagnostic.AdditionalLocations[0].SourceSpan;
            var call = root.FindNode(span, getInnermostNodeForTie: true)
                .AncestorsAndSelf()
                .OfType<InvocationExpressionSyntax>()
                .FirstOrDefault(n => n.Span == span);
            if (call is null || replacements.ContainsKey(call))
            {
                continue;
            }

            replacements[call] = ParseExpression($"{fix.Handle}.{fix.Method}({fix.Arguments})").WithTriviaFrom(call);
            if (fix.Namespace is { } imported && !IsImported(call, root, imported))
            {
                imports.Add(imported);
            }
        }

        if (replacements.Count == 0)
        {
            return document;
        }

        var fixedRoot = root.ReplaceNodes(replacements.Keys, (original, _) => replacements[original]);
        if (fixedRoot is CompilationUnitSyntax unit)
        {
            foreach (var imported in imports.OrderBy(n => n, System.StringComparer.Ordinal))
            {
                unit = AddUsing(unit, imported);
            }

            fixedRoot = unit;
        }

        return document.WithSyntaxRoot(fixedRoot);
    }

    private static (string Method, string Handle, string Arguments, string? Namespace)? Parse(Diagnostic diagnostic)
    {
        var properties = diagnostic.Properties;
        if (!properties.TryGetValue(IoctlMismatchFix.MethodKey, out var method) || method is null
            || !properties.TryGetValue(IoctlMismatchFix.HandleKey, out var handle) || handle is null
            || !properties.TryGetValue(IoctlMismatchFix.ArgumentsKey, out var arguments) || arguments is null
            || diagnostic.AdditionalLocations.Count == 0)
        {
            return null;
        }

        properties.TryGetValue(IoctlMismatchFix.NamespaceKey, out var importedNamespace);
        return (method, handle, arguments, importedNamespace);
    }

    /// <summary>Adds <c>using <paramref name="imported"/>;</c> among the plain usings, in ordinal order.</summary>
    private static CompilationUnitSyntax AddUsing(CompilationUnitSyntax unit, string imported)
    {
        var usings = unit.Usings;
        var index = 0;
        while (index < usings.Count
               && usings[index].StaticKeyword.IsKind(SyntaxKind.None)
               && usings[index].Alias is null
               && string.CompareOrdinal(usings[index].Name?.ToString(), imported) < 0)
        {
            index++;
        }

        var endOfLine = usings.Count > 0 ? usings[0].GetTrailingTrivia().LastOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)) : default;
        var directive = UsingDirective(ParseName(imported))
            .WithUsingKeyword(Token(SyntaxKind.UsingKeyword).WithTrailingTrivia(Space))
            .WithTrailingTrivia(endOfLine.IsKind(SyntaxKind.EndOfLineTrivia) ? endOfLine : CarriageReturnLineFeed);
        return unit.WithUsings(usings.Insert(index, directive));
    }

    /// <summary>Whether the namespace is imported where the call is, or encloses it.</summary>
    private static bool IsImported(SyntaxNode call, SyntaxNode root, string imported)
    {
        var directives = (root is CompilationUnitSyntax unit ? unit.Usings : default(SyntaxList<UsingDirectiveSyntax>))
            .Concat(call.Ancestors().OfType<BaseNamespaceDeclarationSyntax>().SelectMany(n => n.Usings));
        foreach (var directive in directives)
        {
            if (directive.Alias is null && directive.StaticKeyword.IsKind(SyntaxKind.None) && directive.Name?.ToString() == imported)
            {
                return true;
            }
        }

        // Code inside namespace N.M sees the types of N.M and N without a using.
        var enclosing = string.Join(".", call.Ancestors().OfType<BaseNamespaceDeclarationSyntax>().Reverse().Select(n => n.Name.ToString()));
        return enclosing.Length > 0 && (enclosing == imported || enclosing.StartsWith(imported + ".", System.StringComparison.Ordinal));
    }
}
