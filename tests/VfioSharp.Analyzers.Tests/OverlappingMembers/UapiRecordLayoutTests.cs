using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using VfioSharp.Analyzers.OverlappingMembers;
using VfioSharp.Analyzers.Tests.Infrastructure;

namespace VfioSharp.Analyzers.Tests.OverlappingMembers;

/// <summary>
/// The layout model reads the runtime's generated records from metadata (their <c>[UapiField]</c>
/// attributes) and must agree with the CLR, which reads the <c>StructLayout</c> and
/// <c>FieldOffset</c> that metadata hides from Roslyn: every size and every field offset.
/// </summary>
public sealed class UapiRecordLayoutTests
{
    private static readonly CSharpCompilation Driver = CSharpCompilation.Create(
        "Driver",
        [CSharpSyntaxTree.ParseText("static class Empty { }")],
        RuntimeReferences.All,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));

    public static TheoryData<string> Records()
    {
        var data = new TheoryData<string>();
        foreach (var type in RuntimeReferences.Runtime.GetExportedTypes()
                     .Where(t => t is { IsValueType: true, IsEnum: false, Namespace: "VfioSharp.Uapi" })
                     .OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            data.Add(type.FullName!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Records))]
    public void The_metadata_layout_of_every_generated_record_matches_the_runtime(string name)
    {
        var type = RuntimeReferences.Runtime.GetType(name, throwOnError: true)!;
        var symbol = Driver.GetTypeByMetadataName(name);
        Assert.NotNull(symbol);
        Assert.False(symbol!.Locations.Any(l => l.IsInSource));

        var layout = new StructLayoutCatalog(Driver).GetLayout(symbol);
        Assert.True(layout is not null, name + " has no layout");
        Assert.Equal(RuntimeSize(type), layout!.Size);

        var explicitLayout = type.StructLayoutAttribute?.Value == LayoutKind.Explicit;
        Assert.Equal(explicitLayout, layout.IsExplicit);
        foreach (var field in StructLayoutCatalog.InstanceFields(symbol))
        {
            var runtimeField = type.GetField(field.Name, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)!;
            var expected = explicitLayout ? runtimeField.GetCustomAttribute<FieldOffsetAttribute>()!.Value : 0;
            Assert.Equal(expected, layout.FieldOffsets[field]);
        }
    }

    [Fact]
    public void Exactly_the_generated_records_whose_members_share_bytes_are_unions()
    {
        var catalog = new StructLayoutCatalog(Driver);
        var seen = ReferencedUapiRecords.Find(Driver, CancellationToken.None)
            .Where(r => catalog.HasOverlap(r))
            .Select(r => r.Name)
            .OrderBy(n => n, StringComparer.Ordinal);

        // The oracle: the CLR's own offsets and sizes (C unions, and records holding an anonymous one).
        var expected = RuntimeReferences.Runtime.GetExportedTypes()
            .Where(t => t is { IsValueType: true, IsEnum: false, Namespace: "VfioSharp.Uapi" } && RuntimeOverlap(t))
            .Select(t => t.Name)
            .OrderBy(n => n, StringComparer.Ordinal)
            .ToList();
        Assert.Contains("iommu_hw_info", expected);
        Assert.Equal(expected, seen);
    }

    [Fact]
    public void Framework_structs_and_metadata_structs_without_uapi_fields_have_no_layout()
    {
        var catalog = new StructLayoutCatalog(Driver);
        Assert.Null(catalog.GetLayout(Driver.GetTypeByMetadataName("System.Guid")!));
        Assert.Null(catalog.GetLayout(Driver.GetTypeByMetadataName("System.DateTime")!));
        Assert.Null(catalog.GetLayout(Driver.GetTypeByMetadataName("VfioSharp.Kernel.PollDescriptor")!));
    }

    private static bool RuntimeOverlap(Type type)
    {
        if (type.IsPrimitive || type.IsEnum || type.IsPointer || !type.IsValueType)
        {
            return false;
        }

        var fields = type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
        if (fields.Any(f => RuntimeOverlap(f.FieldType)))
        {
            return true;
        }

        if (type.StructLayoutAttribute?.Value != LayoutKind.Explicit)
        {
            return false;
        }

        var ranges = fields
            .Select(f => (Start: f.GetCustomAttribute<FieldOffsetAttribute>()!.Value, Size: RuntimeSize(f.FieldType)))
            .ToList();
        for (var i = 0; i < ranges.Count; i++)
        {
            for (var j = i + 1; j < ranges.Count; j++)
            {
                if (ranges[i].Start < ranges[j].Start + ranges[j].Size && ranges[j].Start < ranges[i].Start + ranges[i].Size)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static int RuntimeSize(Type type)
        => (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(type).Invoke(null, null)!;
}
