using System;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using VfioSharp.Analyzers.Bodies;

namespace VfioSharp.Analyzers.Ioctls.SizeFields;

/// <summary>
/// VFIO005: a record passed by address to a raw ioctl whose request has a size field
/// (<c>argsz</c>, <c>size</c>), where some path from the record's creation to the call stores nothing
/// to that field. The kernel reads it to know how much of the record it may read and write: 0 fails
/// with EINVAL, stale or uninitialized memory lets it write past the record. Typed calls set it
/// themselves and are never reported.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SizeFieldAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The rule's ID.</summary>
    public const string DiagnosticId = "VFIO005";

    internal static readonly DiagnosticDescriptor Rule = new(
        DiagnosticId,
        title: "Ioctl record's size field is not set",
        messageFormat: "'{0}' can reach {1} without its '{2}' set: on some path from its creation nothing stores to it",
        category: "Correctness",
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "VFIO and iommufd records start with a size field (argsz, size) that the caller sets to the size of the "
                     + "memory it passes: the kernel checks it and copies at most that many bytes back. Left at 0 the call fails "
                     + "with EINVAL; left at whatever the memory held, the kernel may write past the record. Set it from sizeof "
                     + "before the call, or use the generated typed call, which does.",
        helpLinkUri: "https://github.com/vfiosharp/vfiosharp/blob/main/analyzers/docs/VFIO005.md");

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Rule);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (!KnownSymbols.HasIoctlRequests(start.Compilation))
            {
                return;
            }

            var catalog = new IoctlRequestCatalog();
            start.RegisterOperationBlockAction(c => AnalyzeSafely(c, catalog));
        });
    }

    private static void AnalyzeSafely(OperationBlockAnalysisContext context, IoctlRequestCatalog catalog)
    {
        try
        {
            Analyze(context, catalog);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            IoctlRuleErrors.Record(DiagnosticId, context.OwningSymbol, exception);
        }
    }

    private static void Analyze(OperationBlockAnalysisContext context, IoctlRequestCatalog catalog)
    {
        foreach (var (block, root) in FlowGraphs.RootsOf(context))
        {
            if (!CallsWithSizeField(root, catalog))
            {
                continue;
            }

            var captured = FlowGraphs.CapturedLocals(root);
            foreach (var graph in FlowGraphs.Within(context, block))
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                foreach (var finding in SizeFieldFlow.Analyze(graph, catalog, captured))
                {
                    Report(context, finding);
                }
            }
        }
    }

    /// <summary>Whether the body makes a raw call whose request has a size field: only then is a graph worth building.</summary>
    private static bool CallsWithSizeField(IOperation root, IoctlRequestCatalog catalog)
    {
        foreach (var invocation in BodyOperations.Of(root).Invocations)
        {
            if (RawIoctlCall.Match(invocation, catalog) is { Request: { SizeField: not null, TakesPointer: true }, Argument: not null })
            {
                return true;
            }
        }

        return false;
    }

    private static void Report(OperationBlockAnalysisContext context, UnsetSizeFinding finding)
    {
        var call = finding.Call;
        var argument = call.Argument!;
        var record = DescribeRecord(argument, finding.Descent);
        context.ReportDiagnostic(Diagnostic.Create(
            Rule,
            argument.Value.Syntax.GetLocation(),
            new[] { call.Invocation.Syntax.GetLocation() },
            FixProperties(finding, record),
            record?.Name ?? argument.Value.Syntax.ToString(),
            call.Request.Name,
            finding.Record.SizeField));
    }

    /// <summary>The record as an expression to store through (<c>info</c>, <c>dev.info</c>, <c>p-&gt;</c>), when the argument spells it out.</summary>
    private static (string Name, string Member)? DescribeRecord(IArgumentOperation argument, ImmutableArray<IFieldSymbol> descent)
    {
        var suffix = string.Concat(descent.Select(f => "." + f.Name));
        if (argument.Parameter is { RefKind: not RefKind.None })
        {
            return Simple(argument.Value.Syntax.ToString() + suffix);
        }

        var value = OperationValues.SkipConversions(argument.Value);
        switch (value)
        {
            case IAddressOfOperation addressOf:
                return Simple(addressOf.Reference.Syntax.ToString() + suffix);
            case IInvocationOperation invocation when OperationValues.IsAsPointer(invocation):
                return Simple(invocation.Arguments[0].Value.Syntax.ToString() + suffix);
            case ILocalReferenceOperation { Local.Type: IPointerTypeSymbol { PointedAtType.SpecialType: not (SpecialType.System_Void or SpecialType.System_Byte or SpecialType.System_SByte) } } pointer:
                var name = pointer.Local.Name;
                if (descent.IsEmpty)
                {
                    return ("*" + name, name + "->");
                }

                var path = name + "->" + string.Join(".", descent.Select(f => f.Name));
                return (path, path + ".");
            default:
                return null;
        }

        static (string Name, string Member) Simple(string expression) => (expression, expression + ".");
    }

    private static ImmutableDictionary<string, string?> FixProperties(UnsetSizeFinding finding, (string Name, string Member)? record)
    {
        var sizeField = SizeFieldOf(finding, out var recordType);
        if (record is not { } described || sizeField is null || recordType is null)
        {
            return ImmutableDictionary<string, string?>.Empty;
        }

        var invocation = finding.Call.Invocation;
        var model = invocation.SemanticModel;
        var position = invocation.Syntax.SpanStart;
        string Display(ITypeSymbol type) => model is null ? type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) : type.ToMinimalDisplayString(model, position);

        return ImmutableDictionary<string, string?>.Empty
            .Add(SizeFieldFix.TargetKey, described.Member + sizeField.Name)
            .Add(SizeFieldFix.RecordTypeKey, Display(recordType))
            .Add(SizeFieldFix.FieldTypeKey, Display(sizeField.Type));
    }

    /// <summary>
    /// The size field of the record the finding is about, and the type of the memory passed: the size to
    /// store is the whole memory's (a buffer that begins with the record leaves room for the reply).
    /// </summary>
    private static IFieldSymbol? SizeFieldOf(UnsetSizeFinding finding, out ITypeSymbol? passedType)
    {
        passedType = PassedType(finding.Call);
        var recordType = finding.Descent.IsEmpty ? passedType : finding.Descent[finding.Descent.Length - 1].Type;
        if (recordType is null)
        {
            return null;
        }

        foreach (var member in recordType.GetMembers(finding.Record.SizeField))
        {
            if (member is IFieldSymbol { IsStatic: false } field && OperationValues.IsIntegral(field.Type))
            {
                return field;
            }
        }

        return null;
    }

    private static ITypeSymbol? PassedType(RawIoctlCall call)
    {
        var passed = PassedArgument.Classify(call.Argument!, null);
        return passed.Shape == PassedShape.Pointer && !passed.IsUntypedBuffer ? passed.Type : null;
    }
}
