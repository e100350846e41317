using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.Dma;

/// <summary>
/// The places a host address for DMA goes: members and parameters marked <c>[DmaAddress]</c>, and the uapi
/// fields that carry one to the kernel (whatever namespace a driver generated them into).
/// </summary>
internal static class DmaAddressSinks
{
    private const string AttributeName = "VfioSharp.DmaAddressAttribute";

    /// <summary>
    /// Attribute lookups per symbol, remembered: a method body references the same members again and again,
    /// and GetAttributes is the expensive part of the check (the analyzer benchmark showed it).
    /// </summary>
    private static readonly ConditionalWeakTable<ISymbol, object> Marked = new();

    private static readonly object Yes = new();
    private static readonly object No = new();

    public static bool Is(ISymbol? symbol)
    {
        switch (symbol)
        {
            case IFieldSymbol { Name: "vaddr", ContainingType.Name: "vfio_iommu_type1_dma_map" }:
            case IFieldSymbol { Name: "user_va", ContainingType.Name: "iommu_ioas_map" }:
                return true;
            case IFieldSymbol or IPropertySymbol or IParameterSymbol:
                return ReferenceEquals(Marked.GetValue(symbol.OriginalDefinition, HasAttribute), Yes);
            default:
                return false;
        }
    }

    private static object HasAttribute(ISymbol symbol)
        => symbol.GetAttributes().Any(a => a.AttributeClass is { Name: "DmaAddressAttribute" } attribute && attribute.ToDisplayString() == AttributeName) ? Yes : No;
}
