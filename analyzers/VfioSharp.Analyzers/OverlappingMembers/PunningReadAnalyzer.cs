using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>VFIO002: a read of a union member whose bytes, on every path, another arm wrote last.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
internal sealed class PunningReadAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(OverlappingMemberDescriptors.PunningRead);

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
                foreach (var read in session.GetFindings(block).PunningReads)
                {
                    block.ReportDiagnostic(Diagnostic.Create(
                        OverlappingMemberDescriptors.PunningRead,
                        read.Location,
                        ImmutableArray.Create(read.WriterLocation),
                        read.Read,
                        read.Writer,
                        read.Union));
                }
            });
        });
    }
}
