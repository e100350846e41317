using VfioSharp.Kernel;
using VfioSharp.Runtime.Tests.Infrastructure;
using VfioSharp.Simulation.Pci;

namespace VfioSharp.Runtime.Tests.Devices;

/// <summary>VFIO_DEVICE_RESET only where VFIO_DEVICE_GET_INFO offers it.</summary>
public sealed class DeviceResetTests
{
    [Theory]
    [MemberData(nameof(SimulatedMachine.Variants), MemberType = typeof(SimulatedMachine))]
    public void Edu_has_no_reset_and_the_refusal_names_the_device_and_asks_the_kernel_nothing(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        using (var vfio = machine.Open())
        {
            var device = vfio.OpenDevice(SimulatedMachine.Edu);
            Assert.False(device.GetInfo().CanReset);

            var refused = Assert.Throws<VfioException>(device.Reset);

            Assert.Null(refused.Errno);
            Assert.Contains("resetting device 0000:00:01.0", refused.Message, StringComparison.Ordinal);
            Assert.Contains("does not support reset", refused.Message, StringComparison.Ordinal);
            Assert.Equal(0x1234, device.Regions.ConfigSpace.VendorId);
        }

        machine.AssertNothingLeft();
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.Variants), MemberType = typeof(SimulatedMachine))]
    public void A_device_that_reports_a_reset_is_reset_and_stays_usable(string variant)
    {
        var address = VfioSharp.Pci.PciAddress.Parse("0000:00:03.0");
        using var machine = SimulatedMachine.Build(variant, populate: kernel => kernel.AddPciDevice(new ResettableDevice(), address.ToString(), iommuGroup: 7));
        var kernel = new IoctlRecordingKernel(machine.Kernel);
        using (var vfio = Vfio.Open(kernel, machine.Options))
        {
            var device = vfio.OpenDevice(address);
            Assert.True(device.GetInfo().CanReset);
            Assert.DoesNotContain(Uapi.vfio.VFIO_DEVICE_RESET, kernel.Requests);

            device.Reset();

            Assert.Contains(Uapi.vfio.VFIO_DEVICE_RESET, kernel.Requests);
            var bar = device.Regions.Bar(0);
            bar.Write32(0, 0xdead_beef);
            Assert.Equal(0xdead_beefu, bar.Read32(0));
            Assert.Equal(0xabcd, device.Regions.ConfigSpace.VendorId);
        }

        machine.AssertNothingLeft();
    }

    private sealed class IoctlRecordingKernel(IKernel inner) : ForwardingKernel(inner)
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<ulong> _requests = new();

        public IReadOnlyCollection<ulong> Requests => _requests;

        public override long Ioctl(int fd, ulong request, nint argument)
        {
            _requests.Enqueue(request);
            return base.Ioctl(fd, request, argument);
        }
    }

    /// <summary>A device with one 4 KiB BAR holding one register, and a reset.</summary>
    private sealed class ResettableDevice() : SimulatedPciDevice(0xabcd, 0x0001, 0xff0000)
    {
        private uint _register;

        public override bool SupportsReset => true;

        public override IReadOnlyList<ulong> BarSizes { get; } = [4096, 0, 0, 0, 0, 0];

        protected override ulong ReadRegister(int bar, ulong offset, int width) => offset == 0 ? _register : 0;

        protected override void WriteRegister(int bar, ulong offset, int width, ulong value)
        {
            if (offset == 0)
            {
                _register = (uint)value;
            }
        }
    }
}
