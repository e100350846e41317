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
using VfioSharp.Analyzers.Ioctls.SizeFields;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace VfioSharp.Analyzers.CodeFixes.Ioctls;

/// <summary>
/// Fixes VFIO005 by setting the size field from sizeof right before the statement that makes the
/// raw call: <c>info.argsz = (uint)sizeof(vfio_device_info);</c>, or
/// <c>Unsafe.SizeOf&lt;T&gt;()</c> outside an unsafe context.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SizeFieldCodeFix))]
[Shared]
public sealed class SizeFieldCodeFix : CodeFixProvider
{
    private const string EquivalenceKey = "VFIO005.SetSizeField";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(SizeFieldAnalyzer.DiagnosticId);

    /// <inheritdoc/>
    /// <remarks>All the stores of a document are inserted in one pass: several may go before one statement.</remarks>
    public override FixAllProvider GetFixAllProvider()
        => FixAllProvider.Create(async (context, document, diagnostics) => await FixAsync(document, diagnostics, context.CancellationToken).ConfigureAwait(false));

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
            if (Parse(diagnostic) is not { } fix || StatementOf(root, diagnostic) is null)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Set '{fix.Target}' from sizeof",
                    cancellationToken => FixAsync(context.Document, ImmutableArray.Create(diagnostic), cancellationToken),
                    EquivalenceKey),
                diagnostic);
        }
    }

    private static async Task<Document> FixAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var inserts = new Dictionary<StatementSyntax, List<string>>();
        foreach (var diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start))
        {
            if (Parse(diagnostic) is not { } fix || StatementOf(root, diagnostic) is not { } statement)
            {
                continue;
            }

            var size = IsUnsafeContext(statement)
                ? $"sizeof({fix.RecordType})"
                : $"{UnsafeClass(root)}.SizeOf<{fix.RecordType}>()";
            var text = $"{fix.Target} = ({fix.FieldType}){size};";
            if (!inserts.TryGetValue(statement, out var texts))
            {
                texts = new List<string>();
                inserts[statement] = texts;
            }

            if (!texts.Contains(text))
            {
                texts.Add(text);
            }
        }

        if (inserts.Count == 0)
        {
            return document;
        }

        // Stores go into the list that holds the statement (a block, a switch section, the top-level
        // statements); an embedded statement (if (x) call;) is wrapped in a new block with them.
        var containers = new Dictionary<SyntaxNode, List<(int Index, List<string> Stores)>>();
        var embedded = new Dictionary<StatementSyntax, List<string>>();
        foreach (var entry in inserts)
        {
            var (statement, stores) = (entry.Key, entry.Value);
            var (container, index) = statement.Parent switch
            {
                BlockSyntax block => ((SyntaxNode)block, block.Statements.IndexOf(statement)),
                SwitchSectionSyntax section => (section, section.Statements.IndexOf(statement)),
                GlobalStatementSyntax { Parent: CompilationUnitSyntax unit } global => (unit, unit.Members.IndexOf(global)),
                _ => (null!, -1),
            };
            if (container is null)
            {
                embedded[statement] = stores;
                continue;
            }

            if (!containers.TryGetValue(container, out var list))
            {
                list = new List<(int, List<string>)>();
                containers[container] = list;
            }

            list.Add((index, stores));
        }

        var targets = containers.Keys.Concat(embedded.Keys).ToList();
        var fixedRoot = root.ReplaceNodes(targets, (original, rewritten) =>
            original is StatementSyntax statement && embedded.TryGetValue(statement, out var stores)
                ? Wrap(statement, (StatementSyntax)rewritten, stores)
                : InsertInto(original, rewritten, containers[original]));
        return document.WithSyntaxRoot(fixedRoot);
    }

    private static SyntaxNode InsertInto(SyntaxNode original, SyntaxNode rewritten, List<(int Index, List<string> Stores)> inserts)
    {
        switch (rewritten)
        {
            case BlockSyntax block:
                return block.WithStatements(Insert(((BlockSyntax)original).Statements, block.Statements, inserts));
            case SwitchSectionSyntax section:
                return section.WithStatements(Insert(((SwitchSectionSyntax)original).Statements, section.Statements, inserts));
            case CompilationUnitSyntax unit:
                var members = unit.Members;
                foreach (var (index, stores) in inserts.OrderByDescending(i => i.Index))
                {
                    var statement = ((GlobalStatementSyntax)((CompilationUnitSyntax)original).Members[index]).Statement;
                    members = members
                        .Replace(members[index], members[index].WithLeadingTrivia(Indentation(statement)))
                        .InsertRange(index, Stores(statement, stores).Select(GlobalStatement));
                }

                return unit.WithMembers(members);
            default:
                return rewritten;
        }
    }

    private static SyntaxList<StatementSyntax> Insert(
        SyntaxList<StatementSyntax> original,
        SyntaxList<StatementSyntax> statements,
        List<(int Index, List<string> Stores)> inserts)
    {
        foreach (var (index, stores) in inserts.OrderByDescending(i => i.Index))
        {
            var before = original[index];
            statements = statements
                .Replace(statements[index], statements[index].WithLeadingTrivia(Indentation(before)))
                .InsertRange(index, Stores(before, stores));
        }

        return statements;
    }

    /// <summary>
    /// The stores as statements, each on its own line at <paramref name="before"/>'s indentation; the first
    /// takes over what stood above the statement (a blank line, a comment), so the stores sit right before it.
    /// </summary>
    private static IEnumerable<StatementSyntax> Stores(StatementSyntax before, List<string> stores)
    {
        var first = true;
        foreach (var store in stores)
        {
            var statement = ParseStatement(store).WithTrailingTrivia(NewLine(before));
            yield return statement.WithLeadingTrivia(first ? before.GetLeadingTrivia() : Indentation(before));
            first = false;
        }
    }

    /// <summary>An embedded statement (<c>if (x) call;</c>) becomes a block of the stores and the statement.</summary>
    private static BlockSyntax Wrap(StatementSyntax original, StatementSyntax rewritten, List<string> stores)
    {
        var outer = original.Ancestors().OfType<StatementSyntax>().FirstOrDefault() is { } parent ? Indentation(parent) : default;
        var inner = Indentation(original);
        var newline = NewLine(original);
        var statements = stores
            .Select(s => ParseStatement(s).WithLeadingTrivia(inner).WithTrailingTrivia(newline))
            .Append(rewritten.WithLeadingTrivia(inner).WithTrailingTrivia(newline));
        return Block(
            Token(SyntaxKind.OpenBraceToken).WithLeadingTrivia(outer).WithTrailingTrivia(newline),
            List(statements),
            Token(SyntaxKind.CloseBraceToken).WithLeadingTrivia(outer).WithTrailingTrivia(original.GetTrailingTrivia()));
    }

    private static SyntaxTriviaList Indentation(SyntaxNode node)
    {
        var leading = node.GetLeadingTrivia();
        return leading.Count > 0 && leading[leading.Count - 1].IsKind(SyntaxKind.WhitespaceTrivia) ? TriviaList(leading[leading.Count - 1]) : default;
    }

    private static SyntaxTrivia NewLine(SyntaxNode node)
    {
        var endOfLine = node.GetTrailingTrivia().LastOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        return endOfLine.IsKind(SyntaxKind.EndOfLineTrivia) ? endOfLine : CarriageReturnLineFeed;
    }

    private static StatementSyntax? StatementOf(SyntaxNode root, Diagnostic diagnostic)
    {
        if (diagnostic.AdditionalLocations.Count == 0)
        {
            return null;
        }

        var span = diagnostic.AdditionalLocations[0].SourceSpan;
        var call = root.FindNode(span, getInnermostNodeForTie: true)
            .AncestorsAndSelf()
            .OfType<InvocationExpressionSyntax>()
            .FirstOrDefault(n => n.Span == span);
        foreach (var node in call?.Ancestors() ?? Enumerable.Empty<SyntaxNode>())
        {
            switch (node)
            {
                case AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or ArrowExpressionClauseSyntax:
                    // A store before the enclosing statement would run at another time, or not at all.
                    return null;
                case StatementSyntax statement:
                    return statement;
            }
        }

        return null;
    }

    private static (string Target, string RecordType, string FieldType)? Parse(Diagnostic diagnostic)
    {
        var properties = diagnostic.Properties;
        return properties.TryGetValue(SizeFieldFix.TargetKey, out var target) && target is not null
               && properties.TryGetValue(SizeFieldFix.RecordTypeKey, out var recordType) && recordType is not null
               && properties.TryGetValue(SizeFieldFix.FieldTypeKey, out var fieldType) && fieldType is not null
            ? (target, recordType, fieldType)
            : null;
    }

    private static bool IsUnsafeContext(SyntaxNode node)
    {
        foreach (var ancestor in node.AncestorsAndSelf())
        {
            var modifiers = ancestor switch
            {
                MemberDeclarationSyntax member => member.Modifiers,
                LocalFunctionStatementSyntax localFunction => localFunction.Modifiers,
                _ => default,
            };
            if (ancestor is UnsafeStatementSyntax || modifiers.Any(SyntaxKind.UnsafeKeyword))
            {
                return true;
            }
        }

        return false;
    }

    private static string UnsafeClass(SyntaxNode root)
        => root is CompilationUnitSyntax unit && unit.Usings.Any(u => u.Alias is null && u.StaticKeyword.IsKind(SyntaxKind.None)
                                                                     && u.Name?.ToString() == "System.Runtime.CompilerServices")
            ? "Unsafe"
            : "System.Runtime.CompilerServices.Unsafe";
}
