using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace VfioSharp.Analyzers.Tests.Infrastructure;

/// <summary>
/// The references of a driver project: the running framework's assemblies and the VfioSharp
/// runtime, whose generated <c>VfioSharp.Uapi</c> records are then seen from metadata. net8.0's
/// reference assemblies can't be used here: the runtime targets net10.0 (CS1705).
/// </summary>
internal static class RuntimeReferences
{
    /// <summary>The runtime assembly the test host loaded: the one the tests compile against.</summary>
    public static Assembly Runtime { get; } = typeof(VfioSharp.Handles.DeviceHandle).Assembly;

    public static IReadOnlyList<MetadataReference> All { get; } = Load();

    /// <summary>Puts the framework and the runtime into a test's solution state.</summary>
    public static void Add(SolutionState state)
    {
        state.ReferenceAssemblies = TestReferences.None;
        state.AdditionalReferences.AddRange(All);
    }

    private static List<MetadataReference> Load()
    {
        var framework = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return framework
            .Where(path => Path.GetFileName(path).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(path) is "mscorlib.dll" or "netstandard.dll")
            .Append(Runtime.Location)
            .Distinct()
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToList();
    }
}
