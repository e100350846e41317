using VfioSharp.Scanner.KernelDoc;

namespace VfioSharp.Scanner.Tests.KernelDoc;

public sealed class KernelDocIndexTests
{
    private static readonly string[] Header =
    [
        "/**",
        " * VFIO_DEVICE_GET_INFO - _IOR(VFIO_TYPE, VFIO_BASE + 7,",
        " *\t\t\t\t\t\tstruct vfio_device_info)",
        " *",
        " * Retrieve information about the device.",
        " * Return: 0 on success.",
        " */",
        "struct vfio_device_info {",
        "};",
        "/**",
        " * struct iommu_ioas_map - ioctl(IOMMU_IOAS_MAP)",
        " * @size: sizeof(struct iommu_ioas_map)",
        " * @flags: Combination of enum iommufd_ioas_map_flags,",
        " *         continued here",
        " *",
        " * Set an IOVA mapping.",
        " */",
        "/*",
        " * VFIO_DEVICE_BIND_IOMMUFD - _IOR(VFIO_TYPE, VFIO_BASE + 18,",
        " *\t\t\t\t   struct vfio_device_bind_iommufd)",
        " * @argsz:\t User filled size of this data.",
        " */",
        "/* an ordinary comment, not kerneldoc */",
    ];

    [Fact]
    public void An_ioctl_block_gives_its_encoding_argument_and_text_without_the_encoding()
    {
        var index = KernelDocIndex.Parse(Header);
        var block = index.Find(null, "VFIO_DEVICE_GET_INFO");

        Assert.NotNull(block);
        Assert.True(KernelDocIndex.TryReadEncoding(block.Summary, out var macro, out var argument));
        Assert.Equal("_IOR", macro);
        Assert.Equal("struct vfio_device_info", argument);
        Assert.Equal("Retrieve information about the device.\nReturn: 0 on success.", block.Text);
        Assert.Same(block, index.FindByArgument("struct vfio_device_info"));
    }

    [Fact]
    public void A_struct_block_gives_member_text_with_continuations_and_the_ioctl_it_claims()
    {
        var block = KernelDocIndex.Parse(Header).Find("struct", "iommu_ioas_map");

        Assert.NotNull(block);
        Assert.Equal("sizeof(struct iommu_ioas_map)", block.Member("size"));
        Assert.Equal("Combination of enum iommufd_ioas_map_flags, continued here", block.Member("flags"));
        Assert.Equal(["IOMMU_IOAS_MAP"], KernelDocIndex.IoctlsNamedBy(block.Summary));
    }

    [Fact]
    public void A_plain_comment_block_counts_when_it_starts_like_kerneldoc()
    {
        var index = KernelDocIndex.Parse(Header);

        Assert.NotNull(index.Find(null, "VFIO_DEVICE_BIND_IOMMUFD"));
        Assert.Equal("User filled size of this data.", index.Find(null, "VFIO_DEVICE_BIND_IOMMUFD")!.Member("argsz"));
        Assert.Equal(3, index.Blocks.Count());
    }
}
