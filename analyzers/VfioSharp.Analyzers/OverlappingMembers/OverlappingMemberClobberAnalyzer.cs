using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>VFIO001: a store that overwrites an overlapping member of another union arm whose value is still needed.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
internal sealed class OverlappingMemberClobberAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(OverlappingMemberDescriptors.Clobber);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var session = OverlappingMemberAnalysisSession.For(start.Compilation);
            if (!session.HasUnion(start.CancellationToken))
            {
                return;
            }

            start.RegisterOperationBlockAction(block =>
            {
                foreach (var clobber in session.GetFindings(block).Clobbers)
                {
                    block.ReportDiagnostic(Diagnostic.Create(
                        OverlappingMemberDescriptors.Clobber,
                        clobber.Location,
                        ImmutableArray.Create(clobber.ClobberedLocation),
                        clobber.Store,
                        clobber.Clobbered,
                        clobber.Union,
                        clobber.Bytes));
                }
            });
        });
    }
}
