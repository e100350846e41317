using VfioSharp.Containers;
using VfioSharp.Devices;
using VfioSharp.Dma;
using VfioSharp.Groups;
using VfioSharp.Lifecycle;

namespace VfioSharp.Runtime.Tests.Scenarios;

/// <summary>Calls in the wrong state throw InvalidStateException naming the object, its state, the operation and the missing step.</summary>
public sealed class LifecycleTests
{
    [Fact]
    public void DMA_map_before_the_IOMMU_is_set_names_the_missing_step()
    {
        var (kernel, edu, options) = SimulatedMachines.Build("Group/DebianStock");
        using (SimulatedMachines.Hold(edu))
        using (var vfio = Vfio.Open(kernel, options))
        using (var buffer = DmaBuffer.Allocate(kernel, 4096))
        {
            var error = Assert.Throws<InvalidStateException>(() => vfio.DefaultContainer.Map(buffer));
            Assert.Equal("Empty", error.State);
            Assert.Equal("Map", error.Operation);
            Assert.Equal("VfioGroup.SetContainer", error.MissingStep);
            Assert.Contains("/dev/vfio/vfio", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_device_before_the_group_is_in_a_container_and_use_after_release_are_refused()
    {
        var (kernel, edu, options) = SimulatedMachines.Build("Group/DebianStock");
        using (SimulatedMachines.Hold(edu))
        using (var vfio = Vfio.Open(kernel, options))
        {
            var group = VfioGroup.Open(vfio, 5);
            var early = Assert.Throws<InvalidStateException>(() => group.OpenDevice(SimulatedMachines.Edu));
            Assert.Equal("OpenDevice", early.Operation);
            Assert.Contains("IOMMU group 5", early.Message, StringComparison.Ordinal);
            group.Dispose();
            var late = Assert.Throws<InvalidStateException>(() => group.SetContainer(vfio.DefaultContainer));
            Assert.Equal("Released", late.State);
        }

        SimulatedMachines.AssertNothingLeft(kernel);
    }

    [Fact]
    public void Attach_before_bind_is_refused()
    {
        var (kernel, edu, options) = SimulatedMachines.Build("Cdev/Linux7");
        using (SimulatedMachines.Hold(edu))
        using (var vfio = Vfio.Open(kernel, options))
        {
            using var device = VfioDevice.OpenCdev(vfio, SimulatedMachines.Edu);
            var error = Assert.Throws<InvalidStateException>(() => device.Attach(vfio.DefaultContainer));
            Assert.Equal("Open", error.State);
            Assert.Equal("VfioDevice.Bind", error.MissingStep);
            Assert.Throws<InvalidStateException>(() => device.GetInfo());
        }
    }

    [Fact]
    public void Every_public_member_of_a_state_machine_but_Dispose_declares_where_it_is_allowed()
    {
        var machines = typeof(Vfio).Assembly.GetExportedTypes().Where(t => t.GetCustomAttributes(typeof(StateMachineAttribute), false).Length > 0).ToList();
        Assert.Contains(typeof(VfioContainer), machines);
        Assert.Contains(typeof(VfioGroup), machines);
        Assert.Contains(typeof(VfioDevice), machines);
        foreach (var type in machines)
        {
            var flags = System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.DeclaredOnly;
            var members = type.GetMethods(flags).Where(m => !m.IsSpecialName && !m.IsStatic).Cast<System.Reflection.MemberInfo>()
                .Concat(type.GetProperties(flags))
                .Where(m => m.Name is not ("Dispose" or "ToString" or "Equals" or "GetHashCode"));
            var undeclared = members.Where(m => m.GetCustomAttributes(typeof(RequiresStateAttribute), false).Length == 0).Select(m => $"{type.Name}.{m.Name}").ToList();
            Assert.Empty(undeclared);

            // Released is for State alone: every other member is refused after Dispose.
            var state = Enum.Parse(type.GetCustomAttributes(typeof(StateMachineAttribute), false).Cast<StateMachineAttribute>().Single().StateType, "Released");
            var allowedWhenReleased = members
                .Where(m => m.GetCustomAttributes(typeof(RequiresStateAttribute), false).Cast<RequiresStateAttribute>().Any(r => r.States.Contains(state)))
                .Select(m => m.Name)
                .ToList();
            Assert.Equal(["State"], allowedWhenReleased);
        }
    }

    [Fact]
    public void Bad_mapping_requests_are_errors_not_crashes()
    {
        var (kernel, edu, options) = SimulatedMachines.Build("Cdev/Linux7");
        using (SimulatedMachines.Hold(edu))
        using (var vfio = Vfio.Open(kernel, options))
        using (var buffer = DmaBuffer.Allocate(kernel, 4096))
        {
            _ = vfio.OpenDevice(SimulatedMachines.Edu);
            var container = vfio.DefaultContainer;
            Assert.Throws<ArgumentException>(() => container.Map(buffer, ulong.MaxValue - 100));
            Assert.Throws<ArgumentException>(() => container.Map(buffer, 0x1001));
            var mapping = container.Map(buffer, 0x200000);
            var overlap = Assert.Throws<VfioException>(() => container.Map(buffer, 0x200000));
            Assert.Equal("EEXIST", overlap.Errno!.Value.Name);
            container.Unmap(mapping);
            Assert.Throws<ArgumentException>(() => container.Unmap(mapping));
            Assert.Throws<ArgumentException>(() => container.Unmap(new DmaMapping(0x900000, 4096, 0)));
            Assert.Throws<ArgumentOutOfRangeException>(() => DmaBuffer.Allocate(kernel, 0));
        }
    }
}
