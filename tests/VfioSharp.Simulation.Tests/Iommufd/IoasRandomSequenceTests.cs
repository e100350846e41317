using VfioSharp.Handles;
using VfioSharp.Simulation.Tests.Cdev;

namespace VfioSharp.Simulation.Tests.Iommufd;

/// <summary>
/// Random sequences of IOAS maps, unmaps and attach/detach against a plain model of what iommufd promises: areas
/// never overlap, a fixed map over an area is EEXIST, a kernel-chosen IOVA lands in a hole, an unmap removes whole
/// areas from the lowest up and stops with ENOENT at one that sticks out, and memory is pinned exactly while a
/// device is attached.
/// </summary>
public sealed class IoasRandomSequenceTests
{
    private const ulong Page = 0x1000;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void The_ioas_agrees_with_the_model(int seed)
    {
        var random = new Random(seed);
        using var machine = new CdevMachine();
        var ioas = machine.AllocateIoas();
        var buffer = machine.Buffer(64 * Page);
        var model = new SortedDictionary<ulong, ulong>();
        DeviceHandle? device = null;
        try
        {
            for (var step = 0; step < 400; step++)
            {
                var pages = (ulong)random.Next(1, 5);
                var length = pages * Page;
                var at = (ulong)random.Next(0, 64) * Page;
                switch (random.Next(6))
                {
                    case 0 or 1:
                    {
                        var overlaps = model.Any(a => a.Key < at + length && at < a.Key + a.Value);
                        var result = machine.Map(ioas, buffer, length, at);
                        Assert.Equal(overlaps ? -LinuxErrnoNumbers.EEXIST : 0, result);
                        if (!overlaps)
                        {
                            model.Add(at, length);
                        }

                        break;
                    }

                    case 2:
                    {
                        ulong chosen = 0;
                        Assert.Equal(0, machine.Map(ioas, buffer, length, ref chosen, CdevMachine.ReadWrite));
                        Assert.True(chosen >= Page && chosen % Page == 0);
                        Assert.DoesNotContain(model, a => a.Key < chosen + length && chosen < a.Key + a.Value);
                        model.Add(chosen, length);
                        break;
                    }

                    case 3:
                    {
                        var expected = ModelUnmap(model, at, length, out var removed);
                        Assert.Equal(expected, machine.Unmap(ioas, at, length, out var unmapped));
                        if (expected == 0)
                        {
                            Assert.Equal(removed, unmapped);
                        }

                        break;
                    }

                    case 4 when model.Count > 0:
                    {
                        var area = model.ElementAt(random.Next(model.Count));
                        Assert.Equal(0, machine.Unmap(ioas, area.Key, area.Value, out var unmapped));
                        Assert.Equal(area.Value, unmapped);
                        model.Remove(area.Key);
                        break;
                    }

                    case 5:
                        if (device is null)
                        {
                            device = machine.Attached(ioas).Device;
                        }
                        else
                        {
                            device.Dispose();
                            device = null;
                        }

                        break;
                }

                Assert.Equal(model.Count, machine.Kernel.IommuMappingCount);
                Assert.Equal(device is null ? 0 : model.Values.Aggregate(0UL, (sum, l) => sum + l), machine.Kernel.LockedBytes);
            }
        }
        finally
        {
            device?.Dispose();
        }
    }

    /// <summary>iopt_unmap_iova_range on the model: lowest area first; one sticking out stops it (earlier removals stay).</summary>
    private static long ModelUnmap(SortedDictionary<ulong, ulong> model, ulong iova, ulong length, out ulong removed)
    {
        removed = 0;
        var last = iova + length - 1;
        foreach (var (start, size) in model.Where(a => a.Key <= last && iova <= a.Key + a.Value - 1).ToList())
        {
            if (start < iova || start + size - 1 > last)
            {
                return -LinuxErrnoNumbers.ENOENT;
            }

            model.Remove(start);
            removed += size;
        }

        return removed > 0 ? 0 : -LinuxErrnoNumbers.ENOENT;
    }
}
