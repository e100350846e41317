using Microsoft.CodeAnalysis.Testing;

namespace VfioSharp.Analyzers.Tests.Infrastructure;

/// <summary>
/// The framework that test sources compile against. The references come from
/// Basic.Reference.Assemblies.Net80, embedded in the test assembly, so a test run never
/// downloads a reference pack (the registry here does not serve every Microsoft.NETCore.App.Ref).
/// </summary>
internal static class TestReferences
{
    /// <summary>
    /// A reference set that names no package: Microsoft.CodeAnalysis.Testing resolves it to nothing,
    /// and the verifiers add the embedded net8.0 references instead.
    /// </summary>
    public static ReferenceAssemblies None { get; } = new("net8.0");

    /// <summary>Puts net8.0's reference assemblies into a test's solution state.</summary>
    public static void AddNet80(SolutionState state)
    {
        state.ReferenceAssemblies = None;
        state.AdditionalReferences.AddRange(Basic.Reference.Assemblies.Net80.References.All);
    }
}
