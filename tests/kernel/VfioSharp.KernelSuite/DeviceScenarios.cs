using VfioSharp.Uapi;
using static EduDriver.EduRegisters;

namespace VfioSharp.KernelSuite;

/// <summary>The device in every mode: its info, config space, BAR0 by pread and by mmap, edu's registers.</summary>
internal static class DeviceScenarios
{
    public static Outcome Info(GuestEnvironment guest)
    {
        using var open = OpenDevice.Open(guest);
        var info = open.Device.GetInfo();
        var msi = open.Device.GetIrqInfo(vfio.VFIO_PCI_MSI_IRQ_INDEX);
        var intx = open.Device.GetIrqInfo(vfio.VFIO_PCI_INTX_IRQ_INDEX);
        return Outcome.Check(
            info.IsPci && info.RegionCount >= 9 && info.IrqCount >= 5 && msi.Count >= 1 && intx.Count == 1 && intx.Maskable && !info.CanReset,
            $"flags 0x{info.Flags:x}, {info.RegionCount} regions, {info.IrqCount} irq indexes, MSI count {msi.Count}, INTx count {intx.Count} maskable {intx.Maskable}, reset {(info.CanReset ? "yes" : "no (edu has none)")}");
    }

    public static Outcome ConfigSpace(GuestEnvironment guest)
    {
        using var open = OpenDevice.Open(guest);
        var config = open.Device.Regions.ConfigSpace;
        var command = config.Command;
        return Outcome.Check(
            config.VendorId == 0x1234 && config.DeviceId == 0x11e8 && (command & Regions.ConfigSpace.CommandBusMaster) != 0 && config.Info.Size >= 256,
            $"{config.VendorId:x4}:{config.DeviceId:x4}, command 0x{command:x4} (bus master on), size {config.Info.Size}");
    }

    public static Outcome BarMmap(GuestEnvironment guest)
    {
        using var open = OpenDevice.Open(guest);
        var bar = open.Device.Regions.GetBarInfo(0);
        var byRead = open.Device.Regions.Bar(0).Read32(Identification);
        using var mapped = open.Device.Regions.MapBar(0);
        var byLoad = mapped.Read32(Identification);
        mapped.Write32(EduDriver.EduRegisters.Liveness, 0x0f0f_1234);
        var inverted = open.Device.Regions.Bar(0).Read32(EduDriver.EduRegisters.Liveness);
        return Outcome.Check(
            bar.CanMmap && bar.Size == 1 << 20 && mapped.MappedAreaCount >= 1 && byRead == 0x010000ed && byLoad == byRead && inverted == ~0x0f0f_1234u,
            $"BAR0 {bar.Size} bytes, mmap {bar.CanMmap}, {mapped.MappedAreaCount} area(s); id by pread 0x{byRead:x8}, by load 0x{byLoad:x8}; store through the mapping, pread 0x{inverted:x8}");
    }

    public static Outcome Identify(GuestEnvironment guest)
    {
        using var open = OpenDevice.Open(guest);
        var id = open.Device.Read32(Bar, Identification);
        return Outcome.Check(id == 0x010000ed, $"0x{id:x8}");
    }

    public static Outcome Liveness(GuestEnvironment guest)
    {
        using var open = OpenDevice.Open(guest);
        var seen = new List<string>();
        var ok = true;
        foreach (var probe in new uint[] { 0, 0x1234_5678, 0xffff_ffff, 0xa5a5_5a5a })
        {
            open.Device.Write32(Bar, EduDriver.EduRegisters.Liveness, probe);
            var back = open.Device.Read32(Bar, EduDriver.EduRegisters.Liveness);
            ok &= back == ~probe;
            seen.Add($"0x{probe:x8}→0x{back:x8}");
        }

        return Outcome.Check(ok, string.Join(", ", seen));
    }

    /// <summary>The factorial by polling edu's status register (bit 0 busy), no interrupt.</summary>
    public static Outcome Factorial(GuestEnvironment guest)
    {
        using var open = OpenDevice.Open(guest);
        open.Device.Write32(Bar, Status, 0);
        open.Device.Write32(Bar, EduDriver.EduRegisters.Factorial, 12);
        var polls = 0;
        while ((open.Device.Read32(Bar, Status) & 1) != 0 && polls < 1_000_000)
        {
            polls++;
        }

        var result = open.Device.Read32(Bar, EduDriver.EduRegisters.Factorial);
        return Outcome.Check(result == 479_001_600, $"12! = {result} after {polls} busy polls");
    }
}
