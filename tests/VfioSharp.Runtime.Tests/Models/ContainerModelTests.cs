using CsCheck;
using VfioSharp.Kernel;
using VfioSharp.Runtime.Tests.Infrastructure;

namespace VfioSharp.Runtime.Tests.Models;

/// <summary>
/// Thousands of random map/unmap sequences per mode against the model; and proof the check can fail: a planted
/// wrong errno and a planted leak are each caught.
/// </summary>
public sealed class ContainerModelTests
{
    private static readonly Gen<MappingOperation[]> Sequences =
        Gen.Select(Gen.Int[0, 2], Gen.Int[0, 15], Gen.Int[1, 4], (kind, slot, pages) => new MappingOperation(kind != 0, slot, pages)).Array[1, 30];

    [Theory]
    [InlineData("Group/DebianStock")]
    [InlineData("Group/Linux61")]
    [InlineData("Cdev/Linux7")]
    public void Random_map_and_unmap_sequences_agree_with_the_model(string variant)
        => Sequences.Sample(operations => ContainerModel.Run(variant, operations), iter: 1500, seed: "0N0XIzNsQ0O2");

    [Fact]
    public void A_planted_wrong_errno_is_caught()
    {
        // A kernel (or runtime) that answers EINVAL where Linux answers EEXIST for an overlapping map.
        var caught = Assert.ThrowsAny<Exception>(() => Sequences.Sample(operations => ContainerModel.Run("Cdev/Linux7", operations, kernel => new ErrnoRewritingKernel(kernel)), iter: 200, seed: "0N0XIzNsQ0O2"));
        Assert.Contains("EEXIST", Messages(caught), StringComparison.Ordinal);
    }

    [Fact]
    public void A_planted_leak_is_caught()
    {
        // A runtime that forgets to give DMA memory back: munmap calls never reach the kernel.
        var caught = Assert.ThrowsAny<Exception>(() => Sequences.Sample(operations => ContainerModel.Run("Group/DebianStock", operations, kernel => new MunmapDroppingKernel(kernel)), iter: 200, seed: "0N0XIzNsQ0O2"));
        Assert.Contains(" memory", Messages(caught), StringComparison.Ordinal);
    }

    /// <summary>The messages of an exception and its inner ones: CsCheck wraps the failure it shrank.</summary>
    private static string Messages(Exception? exception)
    {
        var messages = new List<string>();
        for (; exception is not null; exception = exception.InnerException)
        {
            messages.Add(exception.Message);
        }

        return string.Join(" | ", messages);
    }

    private sealed class ErrnoRewritingKernel(IKernel inner) : ForwardingKernel(inner)
    {
        public override long Ioctl(int fd, ulong request, nint argument)
        {
            var result = base.Ioctl(fd, request, argument);
            return result == -Errno.EEXIST.Value ? -Errno.EINVAL.Value : result;
        }
    }

    private sealed class MunmapDroppingKernel(IKernel inner) : ForwardingKernel(inner)
    {
        public override int Munmap(nint address, nuint length) => 0;
    }
}
