using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using VfioSharp.Analyzers.Bodies;
using VfioSharp.Analyzers.Ioctls;

namespace VfioSharp.Analyzers.Dma;

/// <summary>
/// VFIO007: an address of memory the GC can move or reclaim — a managed array, a managed object's field, a
/// pinned GCHandle, a <c>fixed</c> block's pointer, the stack, a span over any of them — handed to the IOMMU
/// for DMA (<c>vfio_iommu_type1_dma_map.vaddr</c>, <c>iommu_ioas_map.user_va</c>, a <c>[DmaAddress]</c>
/// parameter or member). The device keeps DMAing after the pin is gone.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class MovableMemoryAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The rule's ID.</summary>
    public const string DiagnosticId = "VFIO007";

    internal static readonly DiagnosticDescriptor Rule = new(
        DiagnosticId,
        title: "DMA mapping of memory the GC can move",
        messageFormat: "'{0}' gets the address of {1}, which can move or be freed while the device still DMAs to it; map native memory (DmaBuffer)",
        category: "Correctness",
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "An IOMMU mapping outlives any pin a managed program can hold: a 'fixed' block ends, a GCHandle is freed, "
                     + "a stack frame returns, a compacting GC moves the array, and the device writes into whatever is there "
                     + "then. DMA memory must be native memory that nothing moves: an anonymous mmap, as DmaBuffer allocates.",
        helpLinkUri: "https://github.com/vfiosharp/vfiosharp/blob/main/analyzers/docs/VFIO007.md");

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Rule);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterOperationBlockAction(Analyze);
    }

    private static void Analyze(OperationBlockAnalysisContext context)
    {
        try
        {
            foreach (var (block, root) in FlowGraphs.RootsOf(context))
            {
                // Bail out before building graphs when nothing here stores or passes to a DMA sink.
                if (!TouchesSink(root))
                {
                    continue;
                }

                foreach (var graph in FlowGraphs.Within(context, block))
                {
                    foreach (var (value, sink, origin) in MovableMemoryFlow.Findings(graph, context.CancellationToken))
                    {
                        var name = sink is IParameterSymbol parameter ? $"{parameter.ContainingSymbol.Name}({parameter.Name})" : $"{sink.ContainingType.Name}.{sink.Name}";
                        context.ReportDiagnostic(Diagnostic.Create(Rule, value.Syntax.GetLocation(), name, origin));
                    }
                }
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            IoctlRuleErrors.Record(DiagnosticId, context.OwningSymbol, exception);
        }
    }

    private static bool TouchesSink(IOperation root)
    {
        var operations = BodyOperations.Of(root);
        foreach (var argument in operations.Arguments)
        {
            if (argument.Parameter is { } parameter && DmaAddressSinks.Is(parameter))
            {
                return true;
            }
        }

        foreach (var field in operations.FieldReferences)
        {
            if (DmaAddressSinks.Is(field.Member))
            {
                return true;
            }
        }

        foreach (var property in operations.PropertyReferences)
        {
            if (DmaAddressSinks.Is(property.Member))
            {
                return true;
            }
        }

        foreach (var member in operations.OtherMemberReferences)
        {
            if (DmaAddressSinks.Is(member.Member))
            {
                return true;
            }
        }

        return false;
    }
}
