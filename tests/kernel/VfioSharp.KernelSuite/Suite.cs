namespace VfioSharp.KernelSuite;

/// <summary>The scenarios of a mode, in the order they run.</summary>
internal static class Suite
{
    public static IReadOnlyList<Scenario> For(GuestEnvironment guest)
    {
        // The platform boot's machine exists for a few misuse-table rows (no interrupt remapping breaks the
        // IOMMU modes' setup there): it runs those and nothing else.
        if (guest.ModeName == "platform")
        {
            return [.. ErrnoParity.ParityScenarios.For(guest)];
        }

        var scenarios = new List<Scenario>
        {
            new("mode.named", () => ModeScenarios.Named(guest)),
            new("mode.chosen", () => ModeScenarios.Chosen(guest)),
        };
        if (!guest.HasIommu)
        {
            scenarios.Add(new("noiommu.refused-without-opt-in", () => ModeScenarios.RefusedWithoutOptIn(guest)));
        }

        scenarios.AddRange(
        [
            new("device.info", () => DeviceScenarios.Info(guest)),
            new("device.config-space", () => DeviceScenarios.ConfigSpace(guest)),
            new("device.bar0-mmap", () => DeviceScenarios.BarMmap(guest)),
            new("edu.identify", () => DeviceScenarios.Identify(guest)),
            new("edu.liveness", () => DeviceScenarios.Liveness(guest)),
            new("edu.factorial", () => DeviceScenarios.Factorial(guest)),
            new("dma.round-trip-msi", () => DmaScenarios.WithMsi(guest)),
            new("dma.round-trip-intx", () => DmaScenarios.WithIntx(guest)),
        ]);
        if (guest.HasIommu)
        {
            scenarios.AddRange(
            [
                new("iommu.setup", () => IommuScenarios.Setup(guest)),
                new("iommu.iova-ranges", () => IommuScenarios.IovaRanges(guest)),
                new("iommu.map-unmap", () => IommuScenarios.MapUnmap(guest)),
                new("iommu.unmapped-dma-blocked", () => IommuScenarios.UnmappedDmaBlocked(guest)),
            ]);
        }
        else
        {
            scenarios.Add(new("noiommu.physical-address", () => NoIommuScenarios.PhysicalAddress(guest)));
        }

        scenarios.AddRange(
        [
            new("edu.sample-driver", () => TeardownScenarios.EduSample(guest)),
            new("teardown.nothing-left", () => TeardownScenarios.NothingLeft(guest)),
            new("sharing.worker-dma", () => SharingScenarios.WorkerDma(guest)),
            new("bench.runtime", () => Benchmarks.Run(guest)),
        ]);
        scenarios.AddRange(ErrnoParity.ParityScenarios.For(guest));
        return scenarios;
    }
}
