using VfioSharp.Modes;
using VfioSharp.Runtime.Tests.Infrastructure;
using VfioSharp.Sharing;

namespace VfioSharp.Runtime.Tests.Sharing;

/// <summary>
/// A broker offers what its own runtime set up, in every mode: the container or iommufd, the IOAS id only in cdev
/// mode, and the device — attached, or in no-IOMMU cdev mode bound (it has no IOAS to attach to; the real-kernel
/// suite's broker found From refusing it there).
/// </summary>
public sealed class BrokerOfferTests
{
    [Theory]
    [MemberData(nameof(SimulatedMachine.Variants), MemberType = typeof(SimulatedMachine))]
    public void The_runtimes_container_and_device_are_offered_in_every_mode(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        using var vfio = machine.Open();
        var device = vfio.OpenDevice(SimulatedMachine.Edu);
        var offer = BrokerOffer.From(vfio.DefaultContainer, device);
        Assert.Equal(vfio.Mode, offer.Mode);
        Assert.Equal(vfio.Mode == VfioMode.Cdev, offer.IoasId.HasValue);
        Assert.Equal(vfio.DefaultContainer.IoasId, offer.IoasId);
        Assert.True(offer.DmaSpaceFd >= 0);
        Assert.NotEqual(offer.DmaSpaceFd, Assert.Single(offer.Devices).Value);
        Assert.Equal(SimulatedMachine.Edu, offer.Devices.Keys.Single());
    }

    [Theory]
    [MemberData(nameof(SimulatedMachine.Variants), MemberType = typeof(SimulatedMachine))]
    public void A_released_device_is_not_offered(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        using var vfio = machine.Open();
        var device = vfio.OpenDevice(SimulatedMachine.Edu);
        device.Dispose();
        var error = Assert.Throws<ArgumentException>(() => BrokerOffer.From(vfio.DefaultContainer, device));

        // In group modes the last device's release closes the group, which leaves the container Empty: not Ready.
        var groupMode = vfio.Mode is VfioMode.Group or VfioMode.NoIommuGroup;
        Assert.Contains(groupMode ? "is not Ready" : "is not attached to", error.Message, StringComparison.Ordinal);
    }
}
