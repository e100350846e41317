using VfioSharp.Dma;

namespace VfioSharp.Runtime.Tests.Scenarios;

/// <summary>A container used from several threads at once loses nothing.</summary>
public sealed class ConcurrencyTests
{
    [Theory]
    [MemberData(nameof(Infrastructure.SimulatedMachine.IommuVariants), MemberType = typeof(Infrastructure.SimulatedMachine))]
    public void Eight_threads_map_and_unmap_at_once_and_nothing_is_lost(string variant)
    {
        var (kernel, edu, options) = SimulatedMachines.Build(variant);
        using (SimulatedMachines.Hold(edu))
        {
            using (var vfio = Vfio.Open(kernel, options))
            {
                _ = vfio.OpenDevice(SimulatedMachines.Edu);
                var container = vfio.DefaultContainer;
                var kept = new System.Collections.Concurrent.ConcurrentBag<DmaMapping>();
                var threads = Enumerable.Range(0, 8).Select(t => new Thread(() =>
                {
                    using var buffer = DmaBuffer.Allocate(kernel, 4096);
                    for (var i = 0; i < 200; i++)
                    {
                        var mapping = container.Map(buffer);
                        if (i % 50 == 0)
                        {
                            kept.Add(mapping);
                        }
                        else
                        {
                            container.Unmap(mapping);
                        }
                    }
                })).ToList();
                threads.ForEach(t => t.Start());
                threads.ForEach(t => t.Join());

                Assert.Equal(32, kept.Count);
                Assert.Equal(32, kernel.IommuMappingCount);
                Assert.Equal(kept.OrderBy(m => m.Iova), container.Mappings);
                Assert.Equal(kept.Count, kept.Select(m => m.Iova).Distinct().Count());
            }

            SimulatedMachines.AssertNothingLeft(kernel);
        }
    }
}
