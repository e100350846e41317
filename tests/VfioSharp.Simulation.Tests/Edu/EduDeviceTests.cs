using VfioSharp.Kernel;
using VfioSharp.Simulation.Edu;
using VfioSharp.Simulation.Tests.Pci;
using VfioSharp.Uapi;

namespace VfioSharp.Simulation.Tests.Edu;

/// <summary>QEMU's edu through the vfio-pci device fd: registers, factorial, interrupts (MSI, INTx with automask), the DMA engine through the IOMMU.</summary>
public sealed unsafe class EduDeviceTests
{
    private const long Liveness = 0x04;
    private const long Factorial = 0x08;
    private const long Status = 0x20;
    private const long InterruptStatus = 0x24;
    private const long Raise = 0x60;
    private const long Acknowledge = 0x64;
    private const long DmaSource = 0x80;
    private const long DmaDestination = 0x88;
    private const long DmaCount = 0x90;
    private const long DmaCommand = 0x98;
    private const ulong Buffer = 0x40000;
    private const ulong Iova = 0x100000;

    [Fact]
    public void Identification_and_liveness()
    {
        using var m = new EduMachine();
        Assert.Equal(0x010000edu, m.Read32(0));
        m.Write32(Liveness, 0x12345678);
        Assert.Equal(~0x12345678u, m.Read32(Liveness));

        // Registers below 0x80 answer 4-byte accesses only; others read all ones.
        Span<byte> two = stackalloc byte[2];
        Assert.Equal(2, m.Kernel.PRead(m.Fd, two, 0));
        Assert.Equal(0xff, two[0] & two[1]);
    }

    [Fact]
    public void Factorial_completes_and_raises_msi_when_asked()
    {
        using var m = new EduMachine();
        var msi = m.EventFd();
        Assert.Equal(0, m.Trigger(vfio.VFIO_PCI_MSI_IRQ_INDEX, msi));
        m.SetCommand(0x0006);
        m.Write32(Status, 0x80);
        m.Write32(Factorial, 10);
        Assert.Equal(3_628_800u, m.Read32(Factorial));
        Assert.Equal(0u, m.Read32(Status) & 1);
        Assert.Equal(1UL, m.Drain(msi));
        Assert.Equal(1u, m.Read32(InterruptStatus));
    }

    [Fact]
    public void Without_bus_mastering_the_msi_is_dropped_and_the_status_still_raised()
    {
        using var m = new EduMachine();
        var msi = m.EventFd();
        Assert.Equal(0, m.Trigger(vfio.VFIO_PCI_MSI_IRQ_INDEX, msi));
        m.SetCommand(0x0002);
        m.Write32(Status, 0x80);
        m.Write32(Factorial, 5);
        Assert.Equal(120u, m.Read32(Factorial));
        Assert.Equal(0UL, m.Drain(msi));
        Assert.Equal(1u, m.Read32(InterruptStatus));

        // Turning bus mastering on later does not replay the lost message; the next one goes out.
        m.SetCommand(0x0006);
        Assert.Equal(0UL, m.Drain(msi));
        m.Write32(Raise, 0x2);
        Assert.Equal(1UL, m.Drain(msi));
    }

    [Fact]
    public void Intx_is_automasked_until_unmasked_and_a_line_still_asserted_fires_again()
    {
        using var m = new EduMachine();
        var intx = m.EventFd();
        Assert.Equal(0, m.Trigger(vfio.VFIO_PCI_INTX_IRQ_INDEX, intx));
        m.Write32(Raise, 0x1000);
        Assert.Equal(1UL, m.Drain(intx));
        m.Write32(Raise, 0x2000);
        Assert.Equal(0UL, m.Drain(intx));

        const uint unmask = vfio.VFIO_IRQ_SET_DATA_NONE | vfio.VFIO_IRQ_SET_ACTION_UNMASK;
        Assert.Equal(0, m.SetIrqs(unmask, 0, 0, 1));
        Assert.Equal(1UL, m.Drain(intx));

        m.Write32(Acknowledge, 0x3000);
        Assert.False(m.Edu.InterruptLine);
        Assert.Equal(0, m.SetIrqs(unmask, 0, 0, 1));
        Assert.Equal(0UL, m.Drain(intx));
        m.Write32(Raise, 0x1);
        Assert.Equal(1UL, m.Drain(intx));
    }

    [Fact]
    public void Intx_disable_in_the_virtual_command_register_holds_interrupts_back()
    {
        using var m = new EduMachine();
        var intx = m.EventFd();
        Assert.Equal(0, m.Trigger(vfio.VFIO_PCI_INTX_IRQ_INDEX, intx));
        m.SetCommand(0x0402);
        m.Write32(Raise, 0x1);
        Assert.Equal(0UL, m.Drain(intx));
        m.SetCommand(0x0002);
        Assert.Equal(1UL, m.Drain(intx));
    }

    [Fact]
    public void Dma_round_trip_through_a_mapped_iova_with_the_dma_interrupt()
    {
        using var m = new EduMachine();
        var memory = m.MapDma(Iova, 0x2000);
        var ram = new Span<byte>((void*)memory, 0x2000);
        for (var i = 0; i < 256; i++)
        {
            ram[i] = (byte)(i ^ 0x5a);
        }

        var msi = m.EventFd();
        Assert.Equal(0, m.Trigger(vfio.VFIO_PCI_MSI_IRQ_INDEX, msi));
        m.SetCommand(0x0006);
        Dma(m, Iova, Buffer, 256, toRam: false);
        Assert.Equal(1UL, m.Drain(msi));
        Assert.Equal(0x100u, m.Read32(InterruptStatus) & 0x100);
        m.Write32(Acknowledge, 0x100);
        Dma(m, Buffer, Iova + 0x1000, 256, toRam: true);
        Assert.Equal(1UL, m.Drain(msi));
        Assert.True(ram[..256].SequenceEqual(ram.Slice(0x1000, 256)));
        Assert.Equal(0, m.Edu.FailedDmaCount);
        Assert.Empty(m.Kernel.IommuFaults);
    }

    [Fact]
    public void Dma_to_an_unmapped_iova_faults_and_does_not_land()
    {
        using var m = new EduMachine();
        var memory = m.MapDma(Iova, 0x1000);
        m.SetCommand(0x0006);
        Dma(m, Buffer, Iova + 0x10000, 64, toRam: true);
        var fault = Assert.Single(m.Kernel.IommuFaults);
        Assert.Equal(Iova + 0x10000, fault.Address);
        Assert.True(fault.Write);
        Assert.Equal(1, m.Edu.FailedDmaCount);
        Assert.DoesNotContain(new ReadOnlySpan<byte>((void*)memory, 0x1000).ToArray(), b => b != 0);
    }

    [Fact]
    public void Dma_without_bus_mastering_does_not_happen()
    {
        using var m = new EduMachine();
        var memory = m.MapDma(Iova, 0x1000);
        new Span<byte>((void*)memory, 16).Fill(0x77);
        Dma(m, Iova, Buffer, 16, toRam: false);
        Assert.Equal(1, m.Edu.FailedDmaCount);
        Assert.Equal(0u, m.Edu.BufferWord(0));
        Assert.Empty(m.Kernel.IommuFaults);
    }

    [Fact]
    public void A_full_4096_byte_transfer_is_refused_as_qemu_7_2_refuses_it()
    {
        using var m = new EduMachine();
        _ = m.MapDma(Iova, 0x1000);
        m.SetCommand(0x0006);
        Dma(m, Iova, Buffer, 4096, toRam: false);
        Assert.Equal(1, m.Edu.FailedDmaCount);
        Assert.Contains(m.Edu.GuestErrors, e => e.Contains("out of bounds", StringComparison.Ordinal));
        Dma(m, Iova, Buffer, 4095, toRam: false);
        Assert.Equal(1, m.Edu.FailedDmaCount);
    }

    [Fact]
    public void Dma_addresses_are_clamped_to_the_28_bit_mask()
    {
        using var m = new EduMachine();
        var memory = m.MapDma(Iova, 0x1000);
        new Span<byte>((void*)memory, 4).Fill(0x42);
        m.SetCommand(0x0006);
        Dma(m, (1UL << 28) | Iova, Buffer, 4, toRam: false);
        Assert.Equal(0x42424242u, m.Edu.BufferWord(0));
        Assert.Contains(m.Edu.GuestErrors, e => e.Contains("clamping", StringComparison.Ordinal));
    }

    [Fact]
    public void A_delayed_dma_runs_later_and_its_interrupt_wakes_a_poll()
    {
        using var m = new EduMachine(new EduDevice { CompletionDelay = TimeSpan.FromMilliseconds(20) });
        _ = m.MapDma(Iova, 0x1000);
        var msi = m.EventFd();
        Assert.Equal(0, m.Trigger(vfio.VFIO_PCI_MSI_IRQ_INDEX, msi));
        m.SetCommand(0x0006);
        m.Write64(DmaSource, Buffer);
        m.Write64(DmaDestination, Iova);
        m.Write64(DmaCount, 8);
        m.Write64(DmaCommand, 0x7);

        // The registers are frozen while it runs.
        m.Write64(DmaCount, 16);
        Span<PollDescriptor> poll = [new PollDescriptor { Fd = msi, Events = PollEvents.In }];
        Assert.Equal(1, m.Kernel.Poll(poll, 30_000));
        Assert.Equal(0UL, m.Read64(DmaCommand) & 1);
        Assert.Equal(8UL, m.Read64(DmaCount));
    }

    private static void Dma(EduMachine m, ulong source, ulong destination, ulong count, bool toRam)
    {
        m.Write64(DmaSource, source);
        m.Write64(DmaDestination, destination);
        m.Write64(DmaCount, count);
        m.Write64(DmaCommand, 0x1 | 0x4 | (toRam ? 0x2UL : 0));
        Assert.Equal(0UL, m.Read64(DmaCommand) & 1);
    }
}
