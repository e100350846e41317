using VfioSharp.Analyzers.Tests.Infrastructure;

namespace VfioSharp.Analyzers.Tests.DpdkPort;

/// <summary>
/// The DPDK code the review in <c>shared/seed/review.txt</c> discusses, in C#
/// (<c>samples/DpdkPort</c>). The fixed copy is the sample itself; the buggy copy is the sample with
/// the files of <c>DpdkPort/Buggy</c> in place of their namesakes — the code as the series has it.
/// Both are compiled like the sample (net10.0, the runtime, unsafe, nullable, implicit usings) and
/// analyzed with every analyzer of the analyzer assembly, so that a new rule's findings show up here.
/// </summary>
public sealed class DpdkPortTests
{
    /// <summary>Exactly what the buggy copy gets, each mapped to the review finding it catches.</summary>
    private static readonly Finding[] Expected =
    [
        // Patch 18 (vfio: introduce cdev mode), Error: "ioas_id is corrupted in secondary processes.
        // [...] In cdev mode the unconditional dma_setup_done store overwrites the low byte of the
        // ioas_id just received from the primary."
        new("EalVfio.cs", 107, "VFIO001"),

        // Patch 7 (vdpa/ifc: use container device assignment API), Warning: "this patch removes both
        // the "internal->vfio_group_fd = -1" initialization and the only assignment, but
        // ifcvf_get_vfio_group_fd() still returns the field until patch 10. Between patches 7 and 10
        // the vdpa op returns 0 (zeroed allocation), i.e. a "valid" fd value."
        new("IfcvfVdpa.cs", 18, "VFIO003"),

        // Patch 8 (vdpa/nfp: use container device assignment API), Warning: "same staging issue as
        // patch 7" — nfp's vfio_group_fd, returned by the vdpa op, is never assigned either.
        new("NfpVdpa.cs", 19, "VFIO003"),

        // Patch 8, Warning: "nfp_vdpa_vfio_teardown() still calls
        // rte_vfio_container_group_unbind(fd, device->iommu_group) with device->iommu_group now never
        // assigned (always 0 from calloc), so every teardown between patches 8 and 10 issues an unbind
        // for group 0 that fails silently."
        new("NfpVdpa.cs", 28, "VFIO003"),

        // Not in the review text but in issue 5, from the same code: DPDK's sPAPR unmap
        // (vfio_spapr_dma_do_map) declares `struct vfio_iommu_type1_dma_map dma_unmap;` and passes it
        // to VFIO_IOMMU_UNMAP_DMA, whose argument is struct vfio_iommu_type1_dma_unmap, so the kernel
        // reads the unmap's iova and size from the map struct's vaddr and iova.
        new("EalVfioSpapr.cs", 71, "VFIO004"),
    ];

    [Fact]
    public async Task The_buggy_copy_gets_exactly_the_review_findings()
    {
        var result = await DpdkPortCompilation.AnalyzeAsync(DpdkPortCompilation.BuggySources());

        Assert.Empty(result.CompilerErrors);
        var expected = Expected.Select(e => e.ToString()).Order(StringComparer.Ordinal);
        Assert.Equal(expected, result.Findings.Select(f => f.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_fixed_copy_the_sample_builds_has_no_findings()
    {
        var result = await DpdkPortCompilation.AnalyzeAsync(DpdkPortCompilation.FixedSources());

        Assert.Empty(result.CompilerErrors);
        Assert.Empty(result.CompilerWarnings);
        Assert.Empty(result.Findings);
    }

    [Fact]
    public void Every_buggy_file_replaces_a_file_of_the_sample()
    {
        var fixedNames = DpdkPortCompilation.FixedSources().Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(DpdkPortCompilation.BuggyOverlay());
        Assert.All(DpdkPortCompilation.BuggyOverlay(), s => Assert.Contains(s.Name, fixedNames));
    }

    [Fact]
    public void Every_expected_finding_names_a_line_of_the_buggy_copy()
    {
        var sources = DpdkPortCompilation.BuggySources().ToDictionary(s => s.Name, s => s.Text.Split('\n'), StringComparer.Ordinal);
        Assert.All(Expected, e => Assert.InRange(e.Line, 1, sources[e.File].Length));
    }
}
