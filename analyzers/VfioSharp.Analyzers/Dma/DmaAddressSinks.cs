using System.Linq;
using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.Dma;

/// <summary>
/// The places a host address for DMA goes: members and parameters marked <c>[DmaAddress]</c>, and the uapi
/// fields that carry one to the kernel (whatever namespace a driver generated them into).
/// </summary>
internal static class DmaAddressSinks
{
    private const string AttributeName = "VfioSharp.DmaAddressAttribute";

    public static bool Is(ISymbol? symbol)
    {
        switch (symbol)
        {
            case IFieldSymbol { Name: "vaddr", ContainingType.Name: "vfio_iommu_type1_dma_map" }:
            case IFieldSymbol { Name: "user_va", ContainingType.Name: "iommu_ioas_map" }:
                return true;
            case null:
                return false;
            default:
                return symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == AttributeName);
        }
    }
}
