using System.Reflection;
using VfioSharp.Kernel;
using VfioSharp.Runtime.Tests.Infrastructure;

namespace VfioSharp.Runtime.Tests.Kernel;

/// <summary><see cref="Errno"/>'s names and messages, with glibc as the oracle (not the runtime's own table).</summary>
public sealed class ErrnoTests
{
    public static TheoryData<int> EveryLinuxErrnoAndItsNeighbours()
    {
        var data = new TheoryData<int>();
        foreach (var value in Enumerable.Range(-2, 140))
        {
            data.Add(value);
        }

        data.Add(524);
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryLinuxErrnoAndItsNeighbours))]
    public void Message_is_what_strerror_says(int value)
    {
        Assert.Equal(Libc.StrErrorText(value), new Errno(value).Message);
    }

    [Theory]
    [MemberData(nameof(EveryLinuxErrnoAndItsNeighbours))]
    public void Name_is_what_strerrorname_np_says(int value)
    {
        // glibc names 0 "0" (it is no error); the runtime calls every number without an errno UNKNOWN.
        var expected = value == 0 ? null : Libc.StrErrorNameText(value);

        Assert.Equal(expected ?? Errno.UnknownName, new Errno(value).Name);
    }

    [Theory]
    [InlineData(16, "EBUSY (16): Device or resource busy")]
    [InlineData(22, "EINVAL (22): Invalid argument")]
    [InlineData(25, "ENOTTY (25): Inappropriate ioctl for device")]
    [InlineData(90, "EMSGSIZE (90): Message too long")]
    [InlineData(41, "UNKNOWN (41): Unknown error 41")]
    public void ToString_gives_name_number_and_message(int value, string expected)
    {
        Assert.Equal(expected, new Errno(value).ToString());
    }

    [Fact]
    public void Every_constant_is_named_after_its_errno()
    {
        var constants = typeof(Errno).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(field => field.FieldType == typeof(Errno))
            .ToList();

        Assert.NotEmpty(constants);
        Assert.All(constants, field => Assert.Equal(field.Name, ((Errno)field.GetValue(null)!).Name));
    }

    [Fact]
    public void A_negative_kernel_result_becomes_its_errno()
    {
        Assert.Equal(Errno.EINVAL, Errno.FromResult(-22));
        Assert.Equal(Errno.EBUSY, Errno.FromResult(-16L));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(5L)]
    [InlineData(long.MinValue)]
    public void A_success_or_an_impossible_result_is_no_errno(long result)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Errno.FromResult(result));
    }

    [Fact]
    public void Errnos_are_equal_by_value()
    {
        Assert.Equal(Errno.ENOTTY, new Errno(25));
        Assert.True(Errno.EBUSY == new Errno(16));
        Assert.NotEqual(Errno.EBUSY, Errno.EINVAL);
    }
}
