using Microsoft.CodeAnalysis;

namespace VfioSharp.Analyzers.OverlappingMembers;

/// <summary>The rules about members of C-style unions (explicit-layout structs whose fields overlap).</summary>
internal static class OverlappingMemberDescriptors
{
    private const string Category = "Correctness";
    private const string HelpRoot = "https://github.com/vfiosharp/vfiosharp/blob/main/analyzers/docs/";

    public static readonly DiagnosticDescriptor Clobber = new(
        id: "VFIO001",
        title: "Store overwrites an overlapping member of another union arm that is still needed",
        messageFormat: "Writing '{0}' overwrites {3} of '{1}' (another arm of '{2}'), whose value is still read or escapes later",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "In an explicit-layout struct two members overlap when their byte ranges intersect. A store to one member, "
                     + "after a store to an overlapping member of another arm whose value is read later or outlives the method, "
                     + "corrupts that value (the review of DPDK's VFIO cdev series: an unconditional dma_setup_done = true "
                     + "overwrote the low byte of ioas_id). Make the store conditional on the arm that is active.",
        helpLinkUri: HelpRoot + "VFIO001.md");

    public static readonly DiagnosticDescriptor PunningRead = new(
        id: "VFIO002",
        title: "Read of a union member whose bytes another arm wrote last",
        messageFormat: "Reading '{0}' reinterprets bytes that '{1}', an overlapping member of another arm of '{2}', wrote last on every path",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Info,
        isEnabledByDefault: true,
        description: "On every path to this read, the last write to some of its bytes went through an overlapping member of another "
                     + "arm of the union. That is type punning: sometimes intended, often a read of the wrong arm.",
        helpLinkUri: HelpRoot + "VFIO002.md");
}
