using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace VfioSharp.Analyzers.FileDescriptors;

/// <summary>
/// VFIO003: an fd member that can be read while it still holds the 0 of a zeroed allocation,
/// which the kernel takes as a valid descriptor (stdin, in a process that has one).
/// </summary>
/// <remarks>
/// Whether a member is "assigned at construction" depends on every constructor, initializer,
/// factory and creation site of its type, wherever they are in the compilation; so the per-body
/// flows only gather facts, and the verdict is made at compilation end. The diagnostic is
/// therefore a compilation-end diagnostic: an IDE shows it under full-solution analysis and every
/// build reports it.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class FileDescriptorLeftAtZeroAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The rule's ID.</summary>
    public const string DiagnosticId = "VFIO003";

    internal static readonly DiagnosticDescriptor Rule = new(
        DiagnosticId,
        title: "File descriptor left at 0",
        messageFormat: "'{0}' can be read while it is still 0, which is a valid file descriptor: {1}",
        category: "Correctness",
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A file descriptor field that nothing assigns before it is read holds the 0 of a zeroed "
                     + "allocation. 0 is a valid fd, so a getter returns it as if it were open, a '>= 0' check "
                     + "passes, and an error path closes or ioctls fd 0. Initialize fd members to -1.",
        helpLinkUri: "https://github.com/vfiosharp/vfiosharp/blob/main/analyzers/docs/VFIO003.md",
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Rule);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var members = new FileDescriptorMembers();
            var observations = new FileDescriptorObservations();

            start.RegisterOperationBlockAction(c => FileDescriptorBodies.Analyze(c, members, observations));
            start.RegisterCompilationEndAction(end =>
            {
                var verdict = new FileDescriptorVerdict(end.Compilation, observations, Rule, end.CancellationToken);
                foreach (var diagnostic in verdict.Decide())
                {
                    end.ReportDiagnostic(diagnostic);
                }
            });
        });
    }
}
