using VfioSharp.Dma;
using VfioSharp.Kernel;

namespace VfioSharp.KernelSuite;

/// <summary>Release leaves nothing: the same fds before a full bring-up and after its teardown, no VFIO mapping.</summary>
internal static class TeardownScenarios
{
    public static Outcome NothingLeft(GuestEnvironment guest)
    {
        var before = ProcessResources.Descriptors();
        var during = 0;
        // The buffer outlives the container that maps it (it has no fd; its pages stay pinned while mapped).
        using var buffer = DmaBuffer.Allocate(LinuxKernel.Instance, 4096);
        using (var open = OpenDevice.Open(guest))
        {
            using var interrupts = open.Device.Interrupts.EnableMsi();
            using var bar = open.Device.Regions.MapBar(0);
            _ = open.Container.Map(buffer);
            during = ProcessResources.Descriptors().Count;
        }

        var after = ProcessResources.Descriptors();
        var leaked = after.Except(before).ToList();
        var closed = before.Except(after).ToList();
        var mappings = ProcessResources.VfioMappings();
        return Outcome.Check(
            leaked.Count == 0 && closed.Count == 0 && mappings.Count == 0 && during > before.Count,
            $"fds {before.Count} before, {during} while open, {after.Count} after; leaked [{string.Join(", ", leaked)}], lost [{string.Join(", ", closed)}]; VFIO mappings left {mappings.Count}");
    }

    /// <summary>The edu sample driver as the sample runs it, on the runtime's own choice of IOVA.</summary>
    public static Outcome EduSample(GuestEnvironment guest)
    {
        using var open = OpenDevice.Open(guest);
        var checks = new EduDriver.EduDriver(open.Device, open.Container, TimeSpan.FromSeconds(5)).RunAsync(CancellationToken.None).GetAwaiter().GetResult();
        var failed = checks.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.Detail}").ToList();
        return Outcome.Check(checks.Count >= 3 && failed.Count == 0, failed.Count == 0 ? $"{checks.Count} checks passed" : string.Join("; ", failed));
    }
}
