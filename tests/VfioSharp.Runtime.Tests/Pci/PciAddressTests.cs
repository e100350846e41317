using VfioSharp.Pci;

namespace VfioSharp.Runtime.Tests.Pci;

/// <summary>
/// PCI addresses are parsed strictly, because the runtime builds sysfs paths from them: anything but
/// <c>DDDD:BB:DD.F</c> is refused. Uppercase hex is accepted (lspci -D prints lowercase, people type either)
/// and printed lowercase, as sysfs names devices.
/// </summary>
public sealed class PciAddressTests
{
    [Theory]
    [InlineData("0000:00:01.0", 0, 0, 1, 0)]
    [InlineData("ffff:ff:1f.7", 0xffff, 0xff, 0x1f, 7)]
    [InlineData("0001:3A:00.1", 1, 0x3a, 0, 1)]
    public void A_well_formed_address_parses_into_its_parts(string text, int domain, int bus, int device, int function)
    {
        var address = PciAddress.Parse(text);

        Assert.Equal((domain, bus, device, function), (address.Domain, address.Bus, address.Device, address.Function));
        Assert.Equal(text.ToLowerInvariant(), address.ToString());
    }

    [Theory]
    [InlineData("0000:00:01.0/../..")]
    [InlineData("../../../0000:00:01.0")]
    [InlineData("0000:00:01.0/")]
    [InlineData("0000:00:01.0\0")]
    [InlineData("0000:00:01.0\n")]
    [InlineData(" 0000:00:01.0")]
    [InlineData("0000:00:01.00")]
    [InlineData("00000:00:01.0")]
    [InlineData("0000:00:01.0:0000:00:01.0:0000:00:01.0:0000:00:01.0")]
    [InlineData("00:01.0")]
    [InlineData("0000:00:01")]
    [InlineData("")]
    [InlineData("0000:00:20.0")]
    [InlineData("0000:00:01.8")]
    [InlineData("0000:0g:01.0")]
    [InlineData("+000:00:01.0")]
    [InlineData("0000-00-01.0")]
    [InlineData("0000:00:01,0")]
    [InlineData("０000:00:01.0")]
    [InlineData("0x00:00:01.0")]
    public void Anything_else_is_refused_with_the_expected_shape_in_the_message(string text)
    {
        Assert.False(PciAddress.TryParse(text, out _));
        var refused = Assert.Throws<FormatException>(() => PciAddress.Parse(text));
        Assert.Contains("DDDD:BB:DD.F", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_is_refused_without_throwing_from_TryParse()
    {
        Assert.False(PciAddress.TryParse(null, out var address));
        Assert.Equal(default, address);
    }

    [Fact]
    public void Uppercase_and_lowercase_spellings_are_the_same_address()
    {
        Assert.Equal(PciAddress.Parse("0000:0A:1F.7"), PciAddress.Parse("0000:0a:1f.7"));
    }
}
