using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using VfioSharp.Analyzers.Bodies;
using VfioSharp.Analyzers.Ioctls;

namespace VfioSharp.Analyzers.Results;

/// <summary>
/// VFIO008: the result of a call that reports failure only as a negative errno — a generated
/// <c>Try*</c> typed call, <c>IoctlCall.Invoke</c>, an <c>IKernel</c> method — is thrown away: the
/// call is a statement of its own, or its result goes into a local that no path reads. An explicit
/// discard (<c>_ = ...</c>) is a deliberate choice and stays silent.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class IgnoredResultAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The rule's ID.</summary>
    public const string DiagnosticId = "VFIO008";

    internal static readonly DiagnosticDescriptor Rule = new(
        DiagnosticId,
        title: "Result of a non-throwing kernel call is ignored",
        messageFormat: "'{0}' reports failure only through its result (a negative errno), and {1}",
        category: "Correctness",
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "Try* typed calls, IoctlCall.Invoke and the IKernel methods never throw for a kernel error: they return "
                     + "-errno. Ignoring the result makes a failed ioctl, open or close look like a success (the review's "
                     + "'unbind for group 0 that fails silently'). Check the result, call the throwing typed call, or discard "
                     + "it explicitly with '_ ='.",
        helpLinkUri: "https://github.com/vfiosharp/vfiosharp/blob/main/analyzers/docs/VFIO008.md");

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Rule);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            // Without the runtime's kernel seam, ioctl call path or handles there is nothing to call.
            var compilation = start.Compilation;
            if (!KnownSymbols.Declares(compilation, KnownSymbols.KernelNamespace + ".IKernel")
                && !KnownSymbols.Declares(compilation, KnownSymbols.IoctlsNamespace + ".IoctlCall")
                && !KnownSymbols.Declares(compilation, KnownSymbols.HandlesNamespace + ".KernelFileHandle"))
            {
                return;
            }

            start.RegisterOperationAction(AnalyzeStatement, OperationKind.Invocation);
            start.RegisterOperationBlockAction(AnalyzeStores);
        });
    }

    private static void AnalyzeStatement(OperationAnalysisContext context)
    {
        try
        {
            var invocation = (IInvocationOperation)context.Operation;
            if (IsStatement(invocation) && NonThrowingCalls.NameOf(invocation.TargetMethod) is { } name)
            {
                context.ReportDiagnostic(Diagnostic.Create(Rule, invocation.Syntax.GetLocation(), name, "its result is discarded"));
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            IoctlRuleErrors.Record(DiagnosticId, context.ContainingSymbol, exception);
        }
    }

    /// <summary>Whether the call's value goes nowhere: it is an expression statement (possibly behind <c>?.</c>).</summary>
    private static bool IsStatement(IOperation operation)
    {
        while (operation.Parent is IConditionalAccessOperation conditional && ReferenceEquals(conditional.WhenNotNull, operation))
        {
            operation = conditional;
        }

        return operation.Parent is IExpressionStatementOperation;
    }

    private static void AnalyzeStores(OperationBlockAnalysisContext context)
    {
        try
        {
            foreach (var (block, root) in FlowGraphs.RootsOf(context))
            {
                if (!StoresResultInLocal(root))
                {
                    continue;
                }

                var captured = FlowGraphs.CapturedLocals(root);
                foreach (var graph in FlowGraphs.Within(context, block))
                {
                    context.CancellationToken.ThrowIfCancellationRequested();
                    foreach (var basicBlock in graph.Blocks)
                    {
                        for (var i = 0; i < basicBlock.Operations.Length; i++)
                        {
                            var operation = basicBlock.Operations[i];
                            if (operation is IExpressionStatementOperation statement)
                            {
                                operation = statement.Operation;
                            }

                            if (operation is not ISimpleAssignmentOperation { IsRef: false, Target: ILocalReferenceOperation { Local: var local } } assignment
                                || local.IsRef
                                || local.Name == "_"
                                || captured.Contains(local)
                                || OperationValues.SkipConversions(assignment.Value) is not IInvocationOperation invocation
                                || NonThrowingCalls.NameOf(invocation.TargetMethod) is not { } name
                                || DeadResultSearch.MayBeRead(graph, basicBlock, i, local))
                            {
                                continue;
                            }

                            context.ReportDiagnostic(Diagnostic.Create(
                                Rule,
                                invocation.Syntax.GetLocation(),
                                name,
                                $"its result, stored in '{local.Name}', is never read"));
                        }
                    }
                }
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            IoctlRuleErrors.Record(DiagnosticId, context.OwningSymbol, exception);
        }
    }

    /// <summary>
    /// Whether some local given the result of a non-throwing call may hold it unread: only then is
    /// a graph worth building. A local stored exactly once and read somewhere is read after that
    /// store on every path (C#'s definite assignment puts the store before every read), which is
    /// the usual <c>var result = TryX(); if (result &lt; 0) ...</c> and needs no graph.
    /// </summary>
    private static bool StoresResultInLocal(IOperation root)
    {
        HashSet<ILocalSymbol>? candidates = null;
        foreach (var invocation in BodyOperations.Of(root).Invocations)
        {
            IOperation value = invocation;
            while (value.Parent is IConversionOperation { OperatorMethod: null } conversion)
            {
                value = conversion;
            }

            if (NonThrowingCalls.NameOf(invocation.TargetMethod) is null)
            {
                continue;
            }

            switch (value.Parent)
            {
                case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment when ReferenceEquals(assignment.Value, value):
                    (candidates ??= new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default)).Add(target.Local);
                    break;
                case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                    (candidates ??= new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default)).Add(declarator.Symbol);
                    break;
                case IVariableInitializerOperation:
                    // An initializer on no single declarator: only the graph can say where the value goes.
                    return true;
            }
        }

        return candidates is not null && candidates.Any(local => !StoredOnceAndRead(root, local));
    }

    private static bool StoredOnceAndRead(IOperation root, ILocalSymbol local)
    {
        var operations = BodyOperations.Of(root);
        var stores = 0;
        foreach (var declarator in operations.Declarators)
        {
            if (declarator.Initializer is not null && SymbolEqualityComparer.Default.Equals(declarator.Symbol, local))
            {
                stores++;
            }
        }

        var reads = 0;
        foreach (var reference in operations.LocalReferences)
        {
            if (!SymbolEqualityComparer.Default.Equals(reference.Local, local))
            {
                continue;
            }

            if (reference.Parent is ISimpleAssignmentOperation { IsRef: false } assignment && ReferenceEquals(assignment.Target, reference))
            {
                stores++;
            }
            else if (reference.Parent is IArgumentOperation { Parameter.RefKind: not (RefKind.None or RefKind.In) } or ITupleOperation
                     or IDeclarationExpressionOperation or ICompoundAssignmentOperation or IIncrementOrDecrementOperation or IAddressOfOperation)
            {
                // Out, ref, deconstruction, compound and pointer uses both store and read: leave them to the graph.
                return false;
            }
            else
            {
                reads++;
            }
        }

        return stores == 1 && reads > 0;
    }
}
