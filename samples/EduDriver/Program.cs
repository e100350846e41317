using EduDriver;
using VfioSharp;
using VfioSharp.Kernel;
using VfioSharp.Modes;
using VfioSharp.Pci;

// dotnet run --project samples/EduDriver                     the edu device on the simulated kernel, every mode
// dotnet run --project samples/EduDriver -- --device 0000:00:01.0 [--mode Group|Cdev|NoIommuGroup|NoIommuCdev] [--allow-noiommu]
//                                                                  a real edu under VFIO (the mode: chosen as DPDK does unless named)
var device = Argument("--device");
var allowNoIommu = args.Contains("--allow-noiommu");
var timeout = TimeSpan.FromSeconds(5);
var failures = 0;

if (device is not null && OperatingSystem.IsLinux())
{
    var address = PciAddress.Parse(device);
    VfioMode? mode = Argument("--mode") is { } named ? Enum.Parse<VfioMode>(named, ignoreCase: true) : null;
    using var vfio = Vfio.Open(LinuxKernel.Instance, new VfioOptions { AllowNoIommu = allowNoIommu || mode is VfioMode.NoIommuGroup or VfioMode.NoIommuCdev, Mode = mode });
    failures += await RunAsync($"{address} on Linux", vfio, address).ConfigureAwait(false);
}
else
{
    foreach (var mode in new[] { VfioMode.Group, VfioMode.Cdev, VfioMode.NoIommuGroup, VfioMode.NoIommuCdev })
    {
        var (kernel, edu) = SimulatedMachine.For(mode);
        using (edu)
        {
            using (var vfio = Vfio.Open(kernel, new VfioOptions { AllowNoIommu = mode is VfioMode.NoIommuGroup or VfioMode.NoIommuCdev }))
            {
                if (vfio.Mode != mode)
                {
                    Console.WriteLine($"expected {mode} mode, the runtime chose {vfio.Mode}");
                    failures++;
                    continue;
                }

                failures += await RunAsync($"simulated edu, {mode} mode ({kernel.Options.Profile})", vfio, PciAddress.Parse(SimulatedMachine.EduAddress)).ConfigureAwait(false);
            }

            var leftovers = kernel.OpenDescriptors.Count + kernel.MemoryMappingCount + kernel.IommuMappingCount;
            Console.WriteLine(leftovers == 0
                ? "  ok    teardown: no fd, memory mapping or IOMMU mapping left"
                : $"  FAIL  teardown left {string.Join("; ", kernel.OpenDescriptors)}, {kernel.MemoryMappingCount} memory and {kernel.IommuMappingCount} IOMMU mappings");
            failures += leftovers == 0 ? 0 : 1;
        }
    }
}

Console.WriteLine(failures == 0 ? "edu driver: every check passed" : $"edu driver: {failures} check(s) failed");
return failures == 0 ? 0 : 1;

async Task<int> RunAsync(string title, Vfio vfio, PciAddress address)
{
    Console.WriteLine($"{title}: mode {vfio.Mode}");
    using var opened = vfio.OpenDevice(address);
    var info = opened.GetInfo();
    Console.WriteLine($"  device {address}: {info.RegionCount} regions, {info.IrqCount} interrupt indexes, reset {(info.CanReset ? "supported" : "not supported")}");
    var checks = await new EduDriver.EduDriver(opened, vfio.DefaultContainer, timeout).RunAsync(CancellationToken.None).ConfigureAwait(false);
    foreach (var check in checks)
    {
        Console.WriteLine($"  {(check.Passed ? "ok  " : "FAIL")}  {check.Name}: {check.Detail}");
    }

    return checks.Count(c => !c.Passed);
}

string? Argument(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
