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
using VfioSharp.Analyzers.FileDescriptors;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace VfioSharp.Analyzers.CodeFixes.FileDescriptors;

/// <summary>
/// Fixes VFIO003 by making the fd start at -1: an initializer on the field or auto-property, or,
/// when one creation site is at fault, <c>Fd = -1</c> in that site's object initializer.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(FileDescriptorInitializerCodeFix))]
[Shared]
public sealed class FileDescriptorInitializerCodeFix : CodeFixProvider
{
    private const string EquivalenceKey = "VFIO003.InitializeToMinusOne";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(FileDescriptorLeftAtZeroAnalyzer.DiagnosticId);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(FileDescriptorFix.Key, out var kind))
            {
                continue;
            }

            switch (kind)
            {
                case FileDescriptorFix.DeclarationInitializer:
                    RegisterDeclarationFix(context, root, diagnostic);
                    break;
                case FileDescriptorFix.ObjectInitializer:
                    RegisterCreationFix(context, root, diagnostic);
                    break;
            }
        }
    }

    private static void RegisterDeclarationFix(CodeFixContext context, SyntaxNode root, Diagnostic diagnostic)
    {
        var declaration = root.FindToken(diagnostic.Location.SourceSpan.Start).Parent?
            .AncestorsAndSelf()
            .FirstOrDefault(n => n is VariableDeclaratorSyntax or PropertyDeclarationSyntax);
        SyntaxNode? initialized = declaration switch
        {
            VariableDeclaratorSyntax declarator => InitializeDeclarator(declarator),
            PropertyDeclarationSyntax property => InitializeProperty(property),
            _ => null,
        };
        if (declaration is null || initialized is null)
        {
            return;
        }

        var name = declaration is VariableDeclaratorSyntax v ? v.Identifier.ValueText : ((PropertyDeclarationSyntax)declaration).Identifier.ValueText;
        context.RegisterCodeFix(
            CodeAction.Create(
                $"Initialize '{name}' to -1",
                _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(declaration, initialized))),
                EquivalenceKey),
            diagnostic);
    }

    private static void RegisterCreationFix(CodeFixContext context, SyntaxNode root, Diagnostic diagnostic)
    {
        if (diagnostic.AdditionalLocations.Count == 0
            || !diagnostic.Properties.TryGetValue(FileDescriptorFix.MemberKey, out var member)
            || member is null)
        {
            return;
        }

        var siteSpan = diagnostic.AdditionalLocations[0].SourceSpan;
        var creation = root.FindNode(siteSpan, getInnermostNodeForTie: true)
            .AncestorsAndSelf()
            .OfType<BaseObjectCreationExpressionSyntax>()
            .FirstOrDefault(c => c.Span == siteSpan);
        if (creation is null)
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create(
                $"Set '{member}' to -1 where it is created",
                _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(creation, AddToInitializer(creation, member)))),
                EquivalenceKey),
            diagnostic);
    }

    private static PrefixUnaryExpressionSyntax MinusOne()
        => PrefixUnaryExpression(SyntaxKind.UnaryMinusExpression, LiteralExpression(SyntaxKind.NumericLiteralExpression, Literal(1)));

    private static EqualsValueClauseSyntax MinusOneInitializer()
        => EqualsValueClause(Token(SyntaxKind.EqualsToken).WithLeadingTrivia(Space).WithTrailingTrivia(Space), MinusOne());

    private static VariableDeclaratorSyntax InitializeDeclarator(VariableDeclaratorSyntax declarator)
    {
        if (declarator.Initializer is { } existing)
        {
            return declarator.WithInitializer(existing.WithValue(MinusOne().WithTriviaFrom(existing.Value)));
        }

        var trailing = declarator.GetTrailingTrivia();
        return declarator.WithoutTrailingTrivia().WithInitializer(MinusOneInitializer().WithTrailingTrivia(trailing));
    }

    private static PropertyDeclarationSyntax? InitializeProperty(PropertyDeclarationSyntax property)
    {
        if (property.Initializer is { } existing)
        {
            return property.WithInitializer(existing.WithValue(MinusOne().WithTriviaFrom(existing.Value)));
        }

        if (property.AccessorList is not { } accessors)
        {
            return null;
        }

        // `{ get; set; }` then the line break: the initializer and its semicolon go between them.
        return property
            .WithAccessorList(accessors.WithoutTrailingTrivia())
            .WithInitializer(MinusOneInitializer())
            .WithSemicolonToken(Token(SyntaxKind.SemicolonToken).WithTrailingTrivia(accessors.GetTrailingTrivia()));
    }

    private static BaseObjectCreationExpressionSyntax AddToInitializer(BaseObjectCreationExpressionSyntax creation, string member)
    {
        var assignment = AssignmentExpression(
            SyntaxKind.SimpleAssignmentExpression,
            IdentifierName(member),
            Token(SyntaxKind.EqualsToken).WithLeadingTrivia(Space).WithTrailingTrivia(Space),
            MinusOne());

        if (creation.Initializer is not { } initializer)
        {
            var trailing = creation.GetTrailingTrivia();
            var created = InitializerExpression(
                SyntaxKind.ObjectInitializerExpression,
                Token(SyntaxKind.OpenBraceToken).WithLeadingTrivia(Space).WithTrailingTrivia(Space),
                SingletonSeparatedList<ExpressionSyntax>(assignment),
                Token(SyntaxKind.CloseBraceToken).WithLeadingTrivia(Space).WithTrailingTrivia(trailing));
            return creation.WithoutTrailingTrivia().WithInitializer(created);
        }

        var expressions = initializer.Expressions;
        var nodes = expressions.ToList();
        var separators = expressions.GetSeparators().ToList();
        if (nodes.Count == 0)
        {
            return creation.WithInitializer(initializer.WithExpressions(SingletonSeparatedList<ExpressionSyntax>(assignment.WithTrailingTrivia(Space))));
        }

        var last = nodes[nodes.Count - 1];
        if (separators.Count == nodes.Count)
        {
            // `A = 1,` already ends with a comma: the new member follows the same layout.
            nodes.Add(assignment.WithLeadingTrivia(last.GetLeadingTrivia()));
            separators.Add(Token(SyntaxKind.CommaToken).WithTrailingTrivia(separators[separators.Count - 1].TrailingTrivia));
        }
        else
        {
            var trailing = last.GetTrailingTrivia();
            var multiLine = trailing.Any(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
            nodes[nodes.Count - 1] = last.WithoutTrailingTrivia();
            separators.Add(Token(SyntaxKind.CommaToken).WithTrailingTrivia(multiLine ? trailing : TriviaList(Space)));
            nodes.Add(assignment
                .WithLeadingTrivia(multiLine ? last.GetLeadingTrivia() : TriviaList())
                .WithTrailingTrivia(multiLine ? trailing : TriviaList(trailing)));
        }

        return creation.WithInitializer(initializer.WithExpressions(SeparatedList(nodes, separators)));
    }
}
