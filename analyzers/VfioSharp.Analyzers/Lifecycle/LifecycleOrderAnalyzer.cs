using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using VfioSharp.Analyzers.Bodies;
using VfioSharp.Analyzers.Ioctls;

namespace VfioSharp.Analyzers.Lifecycle;

/// <summary>
/// VFIO006: a runtime call on an object in a state where it isn't allowed — DMA map before the IOMMU is
/// set, attach before bind, a device fd before the group is in a container, use after release — read from
/// the runtime's own lifecycle declarations (<c>[StateMachine]</c>, <c>[RequiresState]</c>,
/// <c>[TransitionsTo]</c>, <c>[ReturnsState]</c>), the same ones it checks at run time.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LifecycleOrderAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The rule's ID.</summary>
    public const string DiagnosticId = "VFIO006";

    internal static readonly DiagnosticDescriptor Rule = new(
        DiagnosticId,
        title: "VFIO object used in a state that doesn't allow the call",
        messageFormat: "'{0}' needs '{1}' to be {2}, but it is {3} here{4}",
        category: "Correctness",
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "VFIO's objects must be set up in order: a container's IOMMU before DMA, a cdev device bound before it is "
                     + "attached, a group in a container before its device fd, nothing after release. The runtime throws "
                     + "InvalidStateException for a call in the wrong state; this rule finds the calls that can't be right on "
                     + "any path, from the same declarations.",
        helpLinkUri: "https://github.com/vfiosharp/vfiosharp/blob/main/analyzers/docs/VFIO006.md");

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Rule);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (LifecycleSymbols.From(start.Compilation) is not { } symbols)
            {
                return;
            }

            var machines = new StateMachines(symbols);
            start.RegisterOperationBlockAction(block => Analyze(block, machines));
        });
    }

    private static void Analyze(OperationBlockAnalysisContext context, StateMachines machines)
    {
        try
        {
            foreach (var (block, root) in FlowGraphs.RootsOf(context))
            {
                // Bail out before building graphs when no local of a state-machine type is declared here.
                if (!DeclaresStateMachineLocal(root, machines))
                {
                    continue;
                }

                var captured = FlowGraphs.CapturedLocals(root);
                foreach (var graph in FlowGraphs.Within(context, block))
                {
                    foreach (var violation in LifecycleFlow.Violations(graph, machines, captured, context.CancellationToken))
                    {
                        var step = violation.Rule.MissingStep is { } missing ? $"; call {missing} first" : string.Empty;
                        context.ReportDiagnostic(Diagnostic.Create(
                            Rule,
                            violation.Call.Syntax.GetLocation(),
                            $"{violation.Machine.Type.Name}.{violation.Member}",
                            violation.Local.Name,
                            violation.Machine.Describe(violation.Rule.Allowed),
                            violation.Machine.Describe(violation.Possible),
                            step));
                    }
                }
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            IoctlRuleErrors.Record(DiagnosticId, context.OwningSymbol, exception);
        }
    }

    private static bool DeclaresStateMachineLocal(IOperation root, StateMachines machines)
    {
        foreach (var declarator in BodyOperations.Of(root).Declarators)
        {
            if (machines.Of(declarator.Symbol.Type) is not null)
            {
                return true;
            }
        }

        return false;
    }
}
