using System.Runtime.CompilerServices;
using VfioSharp.Handles;
using VfioSharp.Kernel;
using VfioSharp.Runtime.Tests.Infrastructure;
using VfioSharp.Uapi;

namespace VfioSharp.Runtime.Tests.Capabilities;

/// <summary>
/// IOMMU_IOAS_IOVA_RANGES' EMSGSIZE protocol against a kernel that answers as iommufd_ioas_iova_ranges does:
/// it writes as many ranges as fit, sets num_iovas to the total, and fails with EMSGSIZE when they did not fit.
/// </summary>
public sealed unsafe class TwoCallReplyTests
{
    [Fact]
    public void A_small_array_gets_emsgsize_and_the_count_the_kernel_has()
    {
        var kernel = new RecordingKernel { IoctlBehavior = (_, _, argument) => AnswerRanges((iommu_ioas_iova_ranges*)argument, total: 20) };
        using var iommufd = new IommufdHandle(kernel, 3);
        var request = new iommu_ioas_iova_ranges { ioas_id = 0x1234_5602 };
        Span<iommu_iova_range> few = stackalloc iommu_iova_range[4];

        var result = iommufd.TryIOMMU_IOAS_IOVA_RANGES(ref request, few);

        Assert.Equal(-Errno.EMSGSIZE.Value, result);
        Assert.Equal(20u, request.num_iovas);
        Assert.Equal((uint)Unsafe.SizeOf<iommu_ioas_iova_ranges>(), request.size);
    }

    [Fact]
    public void The_throwing_form_calls_again_with_room_for_every_range()
    {
        var calls = 0;
        var kernel = new RecordingKernel { IoctlBehavior = (_, _, argument) => { calls++; return AnswerRanges((iommu_ioas_iova_ranges*)argument, total: 20); } };
        using var iommufd = new IommufdHandle(kernel, 3);
        var request = new iommu_ioas_iova_ranges { ioas_id = 7 };

        iommufd.IOMMU_IOAS_IOVA_RANGES(ref request, out var ranges);

        using (ranges)
        {
            Assert.Equal(2, calls);
            Assert.Equal(20, ranges.Span.Length);
            for (var i = 0; i < 20; i++)
            {
                Assert.Equal((ulong)i << 32, ranges.Span[i].start);
                Assert.Equal(((ulong)i << 32) + 0xfff, ranges.Span[i].last);
            }
        }
    }

    [Fact]
    public void Another_failure_is_thrown_with_its_errno()
    {
        var kernel = new RecordingKernel { IoctlResult = -Errno.ENOENT.Value };
        using var iommufd = new IommufdHandle(kernel, 3);
        var request = new iommu_ioas_iova_ranges { ioas_id = 99 };

        var exception = Assert.Throws<VfioSharp.Ioctls.IoctlException>(() => iommufd.IOMMU_IOAS_IOVA_RANGES(ref request, out _));

        Assert.Equal(Errno.ENOENT, exception.Errno);
    }

    private static long AnswerRanges(iommu_ioas_iova_ranges* request, uint total)
    {
        var room = request->num_iovas;
        var ranges = (iommu_iova_range*)(nint)request->allowed_iovas;
        for (uint i = 0; i < Math.Min(room, total); i++)
        {
            ranges[i] = new iommu_iova_range { start = (ulong)i << 32, last = ((ulong)i << 32) + 0xfff };
        }

        request->num_iovas = total;
        return room < total ? -Errno.EMSGSIZE.Value : 0;
    }
}
