using VfioSharp.Devices;
using VfioSharp.Interrupts;
using VfioSharp.Kernel;
using VfioSharp.Lifecycle;
using VfioSharp.Regions;
using VfioSharp.Runtime.Tests.Infrastructure;

namespace VfioSharp.Runtime.Tests.Interrupts;

/// <summary>
/// The edu device's interrupts through the runtime, in every mode: info per index, MSI and INTx round trips with
/// edu's raise (0x60) and acknowledge (0x64) registers, waits that are cancelled or ended, and the eventfds closed.
/// </summary>
public sealed class DeviceInterruptTests
{
    private const ulong InterruptStatus = 0x24;
    private const ulong Raise = 0x60;
    private const ulong Acknowledge = 0x64;

    /// <summary>A guard against a hang, never an assertion about time: a working wait returns long before.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);

    [Theory]
    [MemberData(nameof(SimulatedMachine.Variants), MemberType = typeof(SimulatedMachine))]
    public void Edu_has_one_maskable_INTx_one_MSI_no_MSI_X_a_REQ_and_ERR_only_from_Linux_7_3(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        using (var vfio = machine.Open())
        {
            var interrupts = vfio.OpenDevice(SimulatedMachine.Edu).Interrupts;

            var intx = interrupts.GetInfo(Uapi.vfio.VFIO_PCI_INTX_IRQ_INDEX);
            Assert.Equal(("INTx", 1u, true, true, true), (intx.Name, intx.Count, intx.Maskable, intx.AutoMasked, intx.SupportsEventFd));
            var msi = interrupts.GetInfo(Uapi.vfio.VFIO_PCI_MSI_IRQ_INDEX);
            Assert.Equal(("MSI", 1u, false), (msi.Name, msi.Count, msi.Maskable));
            Assert.Equal(0u, interrupts.GetInfo(Uapi.vfio.VFIO_PCI_MSIX_IRQ_INDEX).Count);
            Assert.Equal(1u, interrupts.GetInfo(Uapi.vfio.VFIO_PCI_REQ_IRQ_INDEX).Count);

            if (OffersErrToConventionalPci(variant))
            {
                Assert.Equal(1u, interrupts.GetInfo(Uapi.vfio.VFIO_PCI_ERR_IRQ_INDEX).Count);
            }
            else
            {
                Assert.Equal(-Errno.EINVAL.Value, interrupts.TryGetInfo(Uapi.vfio.VFIO_PCI_ERR_IRQ_INDEX, out var err));
                Assert.Null(err);
                var refused = Assert.Throws<VfioException>(() => interrupts.GetInfo(Uapi.vfio.VFIO_PCI_ERR_IRQ_INDEX));
                Assert.Equal(Errno.EINVAL, refused.Errno);
                Assert.Contains("ERR of device 0000:00:01.0", refused.Message, StringComparison.Ordinal);
            }
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.Variants), MemberType = typeof(SimulatedMachine))]
    public async Task An_MSI_raised_through_edus_register_wakes_the_wait_once_and_Disable_closes_its_eventfd(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        using (var vfio = machine.Open())
        {
            var device = vfio.OpenDevice(SimulatedMachine.Edu);
            var bar = device.Regions.Bar(0);
            device.Regions.ConfigSpace.EnableBusMaster();
            var msi = device.Interrupts.EnableMsi(1);
            Assert.Same(msi, device.Interrupts.GetEnabled(Uapi.vfio.VFIO_PCI_MSI_IRQ_INDEX));
            Assert.Single(machine.DescriptorsOf("eventfd"));
            var vector = Assert.Single(msi.Vectors);

            bar.Write32(Raise, 0x40);
            Assert.Equal(1UL, await vector.WaitAsync().WaitAsync(HangGuard));
            Assert.Equal(0x40u, bar.Read32(InterruptStatus) & 0x40);
            bar.Write32(Acknowledge, 0x40);
            Assert.Equal(0UL, vector.Wait(TimeSpan.Zero));

            // Two raises before a wait are counted, not lost.
            bar.Write32(Raise, 0x1);
            bar.Write32(Raise, 0x2);
            Assert.Equal(2UL, vector.Wait(HangGuard));
            bar.Write32(Acknowledge, 0x3);

            device.Interrupts.Disable(Uapi.vfio.VFIO_PCI_MSI_IRQ_INDEX);

            Assert.True(msi.IsDisabled);
            Assert.Empty(machine.DescriptorsOf("eventfd"));
            Assert.Null(device.Interrupts.GetEnabled(Uapi.vfio.VFIO_PCI_MSI_IRQ_INDEX));
            Assert.Throws<ObjectDisposedException>(() => vector.Wait(TimeSpan.Zero));

            // Disabled means enabled again from scratch.
            using var again = device.Interrupts.EnableMsi();
            bar.Write32(Raise, 0x40);
            Assert.Equal(1UL, again.Vectors[0].Wait(HangGuard));
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.Variants), MemberType = typeof(SimulatedMachine))]
    public void INTx_is_masked_when_it_fires_and_fires_again_on_unmask_while_edu_still_asserts_it(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        using (var vfio = machine.Open())
        {
            var device = vfio.OpenDevice(SimulatedMachine.Edu);
            var bar = device.Regions.Bar(0);
            using var intx = device.Interrupts.EnableIntx();
            var vector = intx.Vectors[0];

            bar.Write32(Raise, 0x1);
            Assert.Equal(1UL, vector.Wait(HangGuard));
            bar.Write32(Acknowledge, 0x1);

            // Masked by VFIO since it fired: a new cause does not reach the eventfd...
            bar.Write32(Raise, 0x2);
            Assert.Equal(0UL, vector.Wait(TimeSpan.Zero));

            // ...until the driver unmasks, and the line is still asserted.
            device.Interrupts.Unmask();
            Assert.Equal(1UL, vector.Wait(HangGuard));
            bar.Write32(Acknowledge, 0x2);
            intx.Unmask();
            Assert.Equal(0UL, vector.Wait(TimeSpan.Zero));
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.Variants), MemberType = typeof(SimulatedMachine))]
    public void Refused_enables_close_every_eventfd_they_created_and_say_why(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        using (var vfio = machine.Open())
        {
            var interrupts = vfio.OpenDevice(SimulatedMachine.Edu).Interrupts;
            using var intx = interrupts.EnableIntx();
            Assert.Single(machine.DescriptorsOf("eventfd"));

            var exclusive = Assert.Throws<VfioException>(() => interrupts.EnableMsi(1));
            Assert.Equal(Errno.EINVAL, exclusive.Errno);
            Assert.Contains("one of INTx, MSI and MSI-X at a time", exclusive.Message, StringComparison.Ordinal);

            var twice = Assert.Throws<InvalidOperationException>(() => interrupts.EnableIntx());
            Assert.Contains("enabled already", twice.Message, StringComparison.Ordinal);

            var noMsix = Assert.Throws<VfioException>(() => interrupts.EnableMsix(4));
            Assert.Equal(Errno.EINVAL, noMsix.Errno);

            if (!OffersErrToConventionalPci(variant))
            {
                var noErr = Assert.Throws<VfioException>(() => interrupts.EnableError());
                Assert.Equal(Errno.EINVAL, noErr.Errno);
                Assert.Contains("no ERR interrupts", noErr.Message, StringComparison.Ordinal);
            }

            Assert.Throws<ArgumentOutOfRangeException>(() => interrupts.EnableMsi(0));
            Assert.Single(machine.DescriptorsOf("eventfd"));

            intx.Dispose();
            var tooMany = Assert.Throws<VfioException>(() => interrupts.EnableMsi(2));
            Assert.Contains("1 MSI vector(s), fewer than 2", tooMany.Message, StringComparison.Ordinal);
            Assert.Empty(machine.DescriptorsOf("eventfd"));
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.Variants), MemberType = typeof(SimulatedMachine))]
    public void REQ_is_enabled_beside_MSI_and_disabled_with_the_rest(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        using (var vfio = machine.Open())
        {
            var interrupts = vfio.OpenDevice(SimulatedMachine.Edu).Interrupts;
            var request = interrupts.EnableRequest();
            var msi = interrupts.EnableMsi();
            Assert.Equal(2, machine.DescriptorsOf("eventfd").Count);
            Assert.Equal(0UL, request.Vectors[0].Wait(TimeSpan.Zero));

            interrupts.DisableAll();

            Assert.True(request.IsDisabled && msi.IsDisabled);
            Assert.Empty(machine.DescriptorsOf("eventfd"));
            Assert.False(interrupts.Disable(Uapi.vfio.VFIO_PCI_REQ_IRQ_INDEX));
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.Variants), MemberType = typeof(SimulatedMachine))]
    public async Task A_cancelled_wait_ends_with_OperationCanceledException_closes_its_own_eventfd_and_loses_no_interrupt(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        using (var vfio = machine.Open())
        {
            var device = vfio.OpenDevice(SimulatedMachine.Edu);
            var bar = device.Regions.Bar(0);
            device.Regions.ConfigSpace.EnableBusMaster();
            using var msi = device.Interrupts.EnableMsi();
            var vector = msi.Vectors[0];
            using var cancel = new CancellationTokenSource();

            var wait = vector.WaitAsync(cancel.Token);

            // The wait is polling once its private eventfd exists beside the vector's.
            Assert.True(SpinWait.SpinUntil(() => machine.DescriptorsOf("eventfd").Count == 2, HangGuard));
            Assert.False(wait.IsCompleted);
            cancel.Cancel();
            await Task.WhenAny(wait, Task.Delay(HangGuard));
            Assert.True(wait.IsCanceled);
            var cancelled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
            Assert.Equal(cancel.Token, cancelled.CancellationToken);
            Assert.Single(machine.DescriptorsOf("eventfd"));

            // An interrupt pending when a wait is cancelled stays for the next wait.
            bar.Write32(Raise, 0x40);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => vector.WaitAsync(cancel.Token));
            Assert.Throws<OperationCanceledException>(() => vector.Wait(HangGuard, cancel.Token));
            Assert.Equal(1UL, await vector.WaitAsync().WaitAsync(HangGuard));
            Assert.Single(machine.DescriptorsOf("eventfd"));
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.Variants), MemberType = typeof(SimulatedMachine))]
    public async Task Disabling_or_releasing_ends_the_waits_under_way_and_closes_every_eventfd(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        using (var vfio = machine.Open())
        {
            var device = vfio.OpenDevice(SimulatedMachine.Edu);
            var msi = device.Interrupts.EnableMsi();
            var request = device.Interrupts.EnableRequest();

            var msiWait = msi.Vectors[0].WaitAsync();
            var requestWait = request.Vectors[0].WaitAsync();
            Assert.True(SpinWait.SpinUntil(() => machine.DescriptorsOf("eventfd").Count == 4, HangGuard));

            msi.Disable();
            await Assert.ThrowsAsync<ObjectDisposedException>(() => msiWait.WaitAsync(HangGuard));

            device.Dispose();
            var ended = await Assert.ThrowsAnyAsync<InvalidOperationException>(() => requestWait.WaitAsync(HangGuard));
            Assert.True(ended is ObjectDisposedException or InvalidStateException, ended.GetType().Name);
            Assert.Empty(machine.DescriptorsOf("eventfd"));

            Assert.Throws<InvalidStateException>(() => request.Vectors[0].Wait(TimeSpan.Zero));
            Assert.Throws<InvalidStateException>(() => request.Unmask());
            Assert.Throws<InvalidStateException>(() => device.Interrupts);
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.Variants), MemberType = typeof(SimulatedMachine))]
    public void A_released_device_refuses_every_interrupt_operation(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        using (var vfio = machine.Open())
        {
            var device = vfio.OpenDevice(SimulatedMachine.Edu);
            var interrupts = device.Interrupts;
            device.Dispose();

            var refused = Assert.Throws<InvalidStateException>(() => interrupts.EnableMsi());
            Assert.Equal(nameof(VfioDevice.Interrupts), refused.Operation);
            Assert.Contains("0000:00:01.0", refused.Message, StringComparison.Ordinal);
            Assert.Throws<InvalidStateException>(() => interrupts.GetInfo(0));
            Assert.Throws<InvalidStateException>(() => interrupts.Unmask());
            Assert.Throws<InvalidStateException>(() => interrupts.DisableAll());
            Assert.Throws<InvalidStateException>(() => device.EnableInterrupts(1, 1));
            Assert.Throws<InvalidStateException>(() => device.Reset());
        }

        machine.AssertNothingLeft();
    }

    [Fact]
    public async Task Waits_on_several_threads_each_get_their_vector_and_the_counts_add_up()
    {
        using var machine = SimulatedMachine.Build("Cdev/Linux617");
        using (var vfio = machine.Open())
        {
            var device = vfio.OpenDevice(SimulatedMachine.Edu);
            var bar = device.Regions.Bar(0);

            // An MSI is a memory write by the device: without bus mastering it is dropped.
            device.Regions.ConfigSpace.EnableBusMaster();
            using var msi = device.Interrupts.EnableMsi();
            var vector = msi.Vectors[0];
            var total = 0UL;
            for (var round = 0; round < 20; round++)
            {
                // Each raise is counted once, by one of the waits; the others go on waiting (EAGAIN on read).
                var waits = Enumerable.Range(0, 3).Select(_ => vector.WaitAsync()).ToList();
                while (waits.Count > 0)
                {
                    bar.Write32(Raise, 0x40);
                    var first = await Task.WhenAny(waits).WaitAsync(HangGuard);
                    total += await first;
                    waits.Remove(first);
                    bar.Write32(Acknowledge, 0x40);
                }
            }

            Assert.Equal(60UL, total);
        }

        machine.AssertNothingLeft();
    }

    /// <summary>
    /// Linux 7.3 dropped vfio-pci's pci_is_pcie() check for the ERR index, so conventional PCI functions such as
    /// edu have one ERR interrupt there (the real-kernel suite saw it on 7.3.4); earlier kernels refuse it.
    /// </summary>
    private static bool OffersErrToConventionalPci(string variant) => variant.EndsWith("/Linux7", StringComparison.Ordinal);
}
