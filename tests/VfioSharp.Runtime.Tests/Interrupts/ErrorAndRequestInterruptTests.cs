using VfioSharp.Pci;
using VfioSharp.Runtime.Tests.Infrastructure;

namespace VfioSharp.Runtime.Tests.Interrupts;

/// <summary>
/// The device's REQ and ERR interrupts through <c>device.Interrupts</c>, in every mode: the host's request to have
/// the device back (vfio_pci_core_request) and an AER error (vfio_pci_aer_err_detected) reach the eventfd a driver
/// waits on; a device without the index gets no signal.
/// </summary>
public sealed class ErrorAndRequestInterruptTests
{
    /// <summary>A guard against a hang, never an assertion about time: a working wait returns long before.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);

    private static readonly PciAddress Endpoint = PciAddress.Parse("0000:00:02.0");

    [Theory]
    [MemberData(nameof(SimulatedMachine.Variants), MemberType = typeof(SimulatedMachine))]
    public async Task The_hosts_request_for_the_device_wakes_the_REQ_wait(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        using (var vfio = machine.Open())
        {
            var device = vfio.OpenDevice(SimulatedMachine.Edu);
            Assert.False(machine.Kernel.RequestDevice(SimulatedMachine.Edu.ToString()));

            using var request = device.Interrupts.EnableRequest();
            var wait = request.Vectors[0].WaitAsync();
            Assert.False(wait.IsCompleted);

            Assert.True(machine.Kernel.RequestDevice(SimulatedMachine.Edu.ToString()));

            Assert.Equal(1UL, await wait.WaitAsync(HangGuard));
            request.Disable();
            Assert.False(machine.Kernel.RequestDevice(SimulatedMachine.Edu.ToString()));
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.Variants), MemberType = typeof(SimulatedMachine))]
    public async Task An_AER_error_on_a_PCI_Express_device_wakes_the_ERR_wait_beside_MSI_and_REQ(string variant)
    {
        using var machine = SimulatedMachine.Build(variant, populate: kernel => kernel.AddPciDevice(new PcieEndpointDevice(), Endpoint.ToString(), iommuGroup: 8));
        using (var vfio = machine.Open())
        {
            var device = vfio.OpenDevice(Endpoint);
            Assert.Equal(1u, device.Interrupts.GetInfo(Uapi.vfio.VFIO_PCI_ERR_IRQ_INDEX).Count);

            using var msi = device.Interrupts.EnableMsi();
            using var request = device.Interrupts.EnableRequest();
            using var error = device.Interrupts.EnableError();
            var errorWait = error.Vectors[0].WaitAsync();
            var requestWait = request.Vectors[0].WaitAsync();

            Assert.True(machine.Kernel.ReportDeviceError(Endpoint.ToString()));

            Assert.Equal(1UL, await errorWait.WaitAsync(HangGuard));
            Assert.False(requestWait.IsCompleted);
            Assert.True(machine.Kernel.RequestDevice(Endpoint.ToString()));
            Assert.Equal(1UL, await requestWait.WaitAsync(HangGuard));

            error.Disable();
            Assert.False(machine.Kernel.ReportDeviceError(Endpoint.ToString()));
        }

        machine.AssertNothingLeft();
    }
}
