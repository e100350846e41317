using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace VfioSharp.Pci;

/// <summary>
/// A PCI function's address, <c>DDDD:BB:DD.F</c> (domain, bus, device, function), parsed strictly: exactly
/// that shape in lowercase or uppercase hex, device ≤ 0x1f, function ≤ 7. Anything else — a path, a short
/// form, trailing text — is refused, so an address can never lead outside <c>/sys/bus/pci/devices</c>.
/// </summary>
public readonly record struct PciAddress
{
    private PciAddress(ushort domain, byte bus, byte device, byte function)
    {
        Domain = domain;
        Bus = bus;
        Device = device;
        Function = function;
    }

    /// <summary>The PCI domain (segment).</summary>
    public ushort Domain { get; }

    /// <summary>The bus number.</summary>
    public byte Bus { get; }

    /// <summary>The device (slot) number, 0–31.</summary>
    public byte Device { get; }

    /// <summary>The function number, 0–7.</summary>
    public byte Function { get; }

    /// <summary>Parses <c>DDDD:BB:DD.F</c>.</summary>
    /// <param name="text">The address.</param>
    /// <returns>The address.</returns>
    /// <exception cref="FormatException"><paramref name="text"/> is not a PCI address; the message says what is wrong.</exception>
    public static PciAddress Parse(string text)
        => TryParse(text, out var address, out var problem) ? address : throw new FormatException($"'{text}' is not a PCI address (DDDD:BB:DD.F, e.g. 0000:00:01.0): {problem}.");

    /// <summary>Parses <c>DDDD:BB:DD.F</c> without throwing.</summary>
    /// <param name="text">The address.</param>
    /// <param name="address">The address when parsed.</param>
    /// <returns>Whether <paramref name="text"/> is a PCI address.</returns>
    public static bool TryParse([NotNullWhen(true)] string? text, out PciAddress address) => TryParse(text, out address, out _);

    /// <summary>The canonical form, lowercase: <c>0000:00:01.0</c>, as sysfs names devices.</summary>
    /// <returns>The address.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Domain:x4}:{Bus:x2}:{Device:x2}.{Function:x1}");

    private static bool TryParse(string? text, out PciAddress address, out string problem)
    {
        address = default;
        if (text is null || text.Length != 12 || text[4] != ':' || text[7] != ':' || text[10] != '.')
        {
            problem = "expected 12 characters shaped DDDD:BB:DD.F";
            return false;
        }

        if (!Hex(text.AsSpan(0, 4), out var domain) || !Hex(text.AsSpan(5, 2), out var bus) || !Hex(text.AsSpan(8, 2), out var device) || !Hex(text.AsSpan(11, 1), out var function))
        {
            problem = "domain, bus, device and function must be hex digits";
            return false;
        }

        if (device > 0x1f || function > 7)
        {
            problem = "the device number is at most 1f and the function at most 7";
            return false;
        }

        address = new PciAddress((ushort)domain, (byte)bus, (byte)device, (byte)function);
        problem = string.Empty;
        return true;
    }

    private static bool Hex(ReadOnlySpan<char> digits, out uint value)
    {
        value = 0;
        foreach (var digit in digits)
        {
            if (!char.IsAsciiHexDigit(digit))
            {
                return false;
            }
        }

        return uint.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }
}
