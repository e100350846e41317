using VfioSharp.Kernel;
using VfioSharp.Lifecycle;
using VfioSharp.Regions;
using VfioSharp.Runtime.Tests.Infrastructure;

namespace VfioSharp.Runtime.Tests.Regions;

/// <summary>The edu device's regions through the runtime, in every mode: info, sparse areas, config space, register access.</summary>
public sealed class DeviceRegionTests
{
    private const ulong Identification = 0x00;
    private const ulong Liveness = 0x04;
    private const ulong BarSize = 1 << 20;
    private const ulong RegisterPage = 0x1000;

    [Theory]
    [MemberData(nameof(SimulatedMachine.Variants), MemberType = typeof(SimulatedMachine))]
    public void Edu_reports_nine_regions_a_sparse_BAR0_without_its_register_page_and_a_config_space_that_is_never_mapped(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        using (var vfio = machine.Open())
        {
            var regions = vfio.OpenDevice(SimulatedMachine.Edu).Regions;
            Assert.Equal(9u, regions.Count);

            var bar0 = regions.GetBarInfo(0);
            Assert.Equal("BAR0", bar0.Name);
            Assert.Equal(BarSize, bar0.Size);
            Assert.True(bar0.Readable && bar0.Writable && bar0.CanMmap && bar0.Exists);
            Assert.True(bar0.HasSparseMmap);
            Assert.Equal(new[] { (RegisterPage, BarSize - RegisterPage) }, bar0.MmapAreas.ToArray());
            Assert.Null(bar0.Type);

            // Every index, absent ones included: the VGA region of a device without VGA is EINVAL on Linux.
            var all = regions.GetAll();
            Assert.Equal(9, all.Count);
            Assert.Same(bar0, all[0]);
            Assert.All(all.Skip(1).Take(5), bar => Assert.False(bar.Exists));
            Assert.All(all.Skip(1).Take(5), bar => Assert.Empty(bar.MmapAreas));
            Assert.Equal(("VGA", false), (all[8].Name, all[8].Exists));
            Assert.Equal(global::VfioSharp.Kernel.Errno.EINVAL, Assert.Throws<VfioException>(() => regions.GetInfo(Uapi.vfio.VFIO_PCI_VGA_REGION_INDEX)).Errno);

            var config = regions.ConfigSpace;
            Assert.Equal(Uapi.vfio.VFIO_PCI_CONFIG_REGION_INDEX, config.Info.Index);
            Assert.Equal("config space", config.Info.Name);
            Assert.False(config.Info.CanMmap);
            Assert.Empty(config.Info.MmapAreas);
            Assert.Equal(0x1234, config.VendorId);
            Assert.Equal(0x11e8, config.DeviceId);
            Assert.Equal(0x11e81234u, config.Read32(0));
            Assert.Equal(0x34, config.Read8(0));

            var missing = Assert.Throws<ArgumentOutOfRangeException>(() => regions.GetInfo(9));
            Assert.Contains("9 regions", missing.Message, StringComparison.Ordinal);
            Assert.Throws<ArgumentOutOfRangeException>(() => regions.GetBarInfo(6));
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.Variants), MemberType = typeof(SimulatedMachine))]
    public void Registers_read_and_write_through_one_pread_or_pwrite_of_exactly_their_width(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        var kernel = new AccessRecordingKernel(machine.Kernel);
        using (var vfio = Vfio.Open(kernel, machine.Options))
        {
            var device = vfio.OpenDevice(SimulatedMachine.Edu);
            var bar0 = device.Regions.Bar(0);
            var config = device.Regions.ConfigSpace;
            var barOffset = (long)bar0.Info.Offset;
            var configOffset = (long)config.Info.Offset;
            kernel.Clear();

            Assert.Equal(0x010000edu, bar0.Read32(Identification));
            bar0.Write32(Liveness, 0x1234_5678);
            Assert.Equal(~0x1234_5678u, bar0.Read32(Liveness));
            bar0.Write64(0x80, 0x1122_3344_5566_7788);
            _ = bar0.Read64(0x80);
            Assert.Equal(0x34, config.Read8(0));
            Assert.Equal(0x11e8, config.Read16(2));

            Assert.Equal(
                new (string, int, long)[]
                {
                    ("pread", 4, barOffset + 0x00),
                    ("pwrite", 4, barOffset + 0x04),
                    ("pread", 4, barOffset + 0x04),
                    ("pwrite", 8, barOffset + 0x80),
                    ("pread", 8, barOffset + 0x80),
                    ("pread", 1, configOffset + 0),
                    ("pread", 2, configOffset + 2),
                },
                kernel.Accesses.ToArray());
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.Variants), MemberType = typeof(SimulatedMachine))]
    public void A_mapped_BAR_accesses_its_sparse_area_without_a_syscall_and_the_register_page_through_pread(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        var kernel = new AccessRecordingKernel(machine.Kernel);
        using (var vfio = Vfio.Open(kernel, machine.Options))
        {
            var device = vfio.OpenDevice(SimulatedMachine.Edu);
            var mappings = machine.Kernel.MemoryMappingCount;
            using (var bar = device.Regions.MapBar(0))
            {
                Assert.Equal(mappings + 1, machine.Kernel.MemoryMappingCount);
                var area = Assert.Single(bar.Areas);
                Assert.Equal((RegisterPage, BarSize - RegisterPage), (area.Offset, area.Size));
                kernel.Clear();

                bar.Write64(0x2000, 0x1122_3344_5566_7788);
                MmioAccess.Barrier();
                Assert.Equal(0x1122_3344_5566_7788UL, bar.Read64(0x2000));
                Assert.Equal(0x5566_7788u, bar.Read32(0x2000));
                Assert.Equal(0x1122_3344u, bar.Read32(0x2004));
                Assert.Equal((ushort)0x7788, bar.Read16(0x2000));
                Assert.Equal((byte)0x11, bar.Read8(0x2007));
                bar.Write8(0x2001, 0xaa);
                bar.Write16(0x2002, 0xbbcc);
                Assert.Equal(0x1122_3344_bbcc_aa88UL, bar.Read64(0x2000));
                bar.Write8(BarSize - 1, 0x5a);
                Assert.Equal((byte)0x5a, bar.Read8(BarSize - 1));
                Assert.Empty(kernel.Accesses);

                // The register page is outside the area: one pread/pwrite of the width.
                Assert.Equal(0x010000edu, bar.Read32(Identification));
                bar.FlushPostedWrites(Identification);
                Assert.Equal(new (string, int, long)[] { ("pread", 4, (long)bar.Info.Offset), ("pread", 4, (long)bar.Info.Offset) }, kernel.Accesses.ToArray());
            }

            Assert.Equal(mappings, machine.Kernel.MemoryMappingCount);
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.Variants), MemberType = typeof(SimulatedMachine))]
    public void Misaligned_and_out_of_bounds_accesses_name_the_region_offset_and_width_and_reach_no_kernel(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        var kernel = new AccessRecordingKernel(machine.Kernel);
        using (var vfio = Vfio.Open(kernel, machine.Options))
        {
            var device = vfio.OpenDevice(SimulatedMachine.Edu);
            var bar0 = device.Regions.Bar(0);
            using var mapped = device.Regions.MapBar(0);
            var config = device.Regions.ConfigSpace;
            kernel.Clear();

            var misaligned = Assert.Throws<ArgumentOutOfRangeException>(() => bar0.Read32(2));
            Assert.Contains("Read32", misaligned.Message, StringComparison.Ordinal);
            Assert.Contains("BAR0", misaligned.Message, StringComparison.Ordinal);
            Assert.Contains("0x2", misaligned.Message, StringComparison.Ordinal);
            Assert.Contains("4-byte", misaligned.Message, StringComparison.Ordinal);
            Assert.Contains("0000:00:01.0", misaligned.Message, StringComparison.Ordinal);

            var outside = Assert.Throws<ArgumentOutOfRangeException>(() => bar0.Write64(BarSize, 1));
            Assert.Contains("Write64", outside.Message, StringComparison.Ordinal);
            Assert.Contains("8-byte access at offset 0x100000", outside.Message, StringComparison.Ordinal);
            Assert.Contains("outside BAR0", outside.Message, StringComparison.Ordinal);

            Assert.Throws<ArgumentOutOfRangeException>(() => mapped.Read64(BarSize - 4));
            Assert.Throws<ArgumentOutOfRangeException>(() => mapped.Write16(0x2001, 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => mapped.Read8(BarSize));
            Assert.Throws<ArgumentOutOfRangeException>(() => mapped.Read32(ulong.MaxValue - 3));
            Assert.Throws<ArgumentOutOfRangeException>(() => config.Read32((int)config.Info.Size));
            Assert.Throws<ArgumentOutOfRangeException>(() => config.Read16(-2));
            Assert.Throws<ArgumentOutOfRangeException>(() => device.Read32(0, 1UL << 20));
            Assert.Empty(kernel.Accesses);

            // The last bytes of the region are inside.
            mapped.Write64(BarSize - 8, 7);
            Assert.Equal(7UL, mapped.Read64(BarSize - 8));
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.Variants), MemberType = typeof(SimulatedMachine))]
    public void Bus_mastering_sets_command_bit_2_and_keeps_the_other_bits(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        using (var vfio = machine.Open())
        {
            var config = vfio.OpenDevice(SimulatedMachine.Edu).Regions.ConfigSpace;
            var before = config.Command;
            Assert.Equal(0, before & ConfigSpace.CommandBusMaster);

            var written = config.EnableBusMaster();

            Assert.Equal(written, config.Command);
            Assert.Equal(ConfigSpace.CommandBusMaster, config.Command & ConfigSpace.CommandBusMaster);
            Assert.Equal(ConfigSpace.CommandMemorySpace, config.Command & ConfigSpace.CommandMemorySpace);
            Assert.Equal(before, config.Command & before);
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.Variants), MemberType = typeof(SimulatedMachine))]
    public void A_failed_mmap_leaves_nothing_mapped_and_names_the_area(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        var kernel = new AccessRecordingKernel(machine.Kernel);
        using (var vfio = Vfio.Open(kernel, machine.Options))
        {
            var device = vfio.OpenDevice(SimulatedMachine.Edu);
            var mappings = machine.Kernel.MemoryMappingCount;
            kernel.FailDeviceMmap = Errno.ENOMEM;

            var failed = Assert.Throws<VfioException>(() => device.Regions.MapBar(0));

            Assert.Equal(Errno.ENOMEM, failed.Errno);
            Assert.Contains("offset 0x1000 of BAR0", failed.Message, StringComparison.Ordinal);
            Assert.Equal(mappings, machine.Kernel.MemoryMappingCount);
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.Variants), MemberType = typeof(SimulatedMachine))]
    public void Releasing_the_device_unmaps_its_regions_and_every_later_access_is_an_invalid_state(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        using (var vfio = machine.Open())
        {
            var device = vfio.OpenDevice(SimulatedMachine.Edu);
            var regions = device.Regions;
            var access = regions.Bar(0);
            var config = regions.ConfigSpace;
            var mapped = regions.MapBar(0);
            var mappings = machine.Kernel.MemoryMappingCount;

            device.Dispose();

            Assert.Equal(mappings - 1, machine.Kernel.MemoryMappingCount);
            Assert.Throws<InvalidStateException>(() => access.Read32(Identification));
            Assert.Throws<InvalidStateException>(() => access.Write32(Liveness, 1));
            Assert.Throws<InvalidStateException>(() => mapped.Read64(0x2000));
            Assert.Throws<InvalidStateException>(() => mapped.Write8(0x2000, 1));
            Assert.Throws<InvalidStateException>(() => config.VendorId);
            Assert.Throws<InvalidStateException>(() => regions.GetInfo(0));
            Assert.Throws<InvalidStateException>(() => regions.Map(0));
            var state = Assert.Throws<InvalidStateException>(() => device.Regions);
            Assert.Equal("Released", state.State);
            mapped.Dispose();
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.Variants), MemberType = typeof(SimulatedMachine))]
    public void A_disposed_mapping_refuses_accesses_but_the_device_keeps_working(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        using (var vfio = machine.Open())
        {
            var device = vfio.OpenDevice(SimulatedMachine.Edu);
            var mapped = device.Regions.MapBar(0);
            mapped.Dispose();
            mapped.Dispose();

            Assert.Throws<ObjectDisposedException>(() => mapped.Read64(0x2000));
            Assert.Throws<ObjectDisposedException>(() => mapped.Read32(Identification));
            Assert.Equal(0x010000edu, device.Regions.Bar(0).Read32(Identification));
        }

        machine.AssertNothingLeft();
    }

    [Fact]
    public void Threads_access_a_mapped_BAR_while_it_is_unmapped_and_each_access_either_completes_or_is_refused()
    {
        using var machine = SimulatedMachine.Build("Group/Linux7");
        using (var vfio = machine.Open())
        {
            var device = vfio.OpenDevice(SimulatedMachine.Edu);
            var mapped = device.Regions.MapBar(0);
            using var go = new ManualResetEventSlim();
            var completed = new int[4];
            var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
            var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
            {
                go.Wait();
                var slot = 0x2000UL + ((ulong)t * 8);
                try
                {
                    for (var i = 0UL; ; i++)
                    {
                        mapped.Write64(slot, i);
                        if (mapped.Read64(slot) != i || mapped.Read32(Identification) != 0x010000edu)
                        {
                            failures.Enqueue(new InvalidOperationException($"thread {t} read back something else at step {i}"));
                            return;
                        }

                        Volatile.Write(ref completed[t], completed[t] + 1);
                    }
                }
                catch (ObjectDisposedException)
                {
                    // Refused after the mapping closed: the only way out of the loop.
                }
                catch (Exception other)
                {
                    failures.Enqueue(other);
                }
            })).ToList();
            threads.ForEach(thread => thread.Start());
            go.Set();

            // A hang guard, not a timing assertion: every thread gets going before the mapping is closed under it.
            Assert.True(SpinWait.SpinUntil(() => failures.IsEmpty is false || Enumerable.Range(0, 4).All(i => Volatile.Read(ref completed[i]) > 100), TimeSpan.FromMinutes(2)));

            mapped.Dispose();
            threads.ForEach(thread => thread.Join());

            Assert.Empty(failures);
            Assert.All(completed, count => Assert.True(count > 100));
            Assert.Equal(0x010000edu, device.Regions.Bar(0).Read32(Identification));
        }

        machine.AssertNothingLeft();
    }
}
