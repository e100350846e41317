using Verify = VfioSharp.Analyzers.Tests.Ioctls.IoctlRuleVerifier<VfioSharp.Analyzers.Lifecycle.LifecycleOrderAnalyzer>;

namespace VfioSharp.Analyzers.Tests.Lifecycle;

/// <summary>
/// VFIO006 over a state machine declared the way the runtime declares its own (group: Open → InContainer →
/// Released; device: Open → Bound → Attached): calls no path allows are reported, with the missing step.
/// </summary>
public sealed class LifecycleOrderTests
{
    /// <summary>Declarations shaped like the runtime's VfioGroup and VfioDevice.</summary>
    internal const string Declarations = """
        using System;
        using VfioSharp.Lifecycle;

        public enum GroupState { Open, InContainer, Released }
        public enum DeviceState { Open, Bound, Attached, Released }

        [StateMachine(typeof(GroupState), GroupState.Open)]
        public sealed class Group : IDisposable
        {
            [ReturnsState(GroupState.Open)]
            public static Group Open(int number) => new();

            public static Group Adopt(int fd) => new();

            [RequiresState(GroupState.Open, MissingStep = "Vfio.OpenGroup")]
            [TransitionsTo(GroupState.InContainer)]
            public void SetContainer(object container) { }

            [RequiresState(GroupState.InContainer, MissingStep = "Group.SetContainer")]
            public Device OpenDevice(string name) => new();

            [RequiresState(GroupState.Open, GroupState.InContainer)]
            public int Number => 5;

            [TransitionsTo(GroupState.Released)]
            public void Dispose() { }
        }

        [StateMachine(typeof(DeviceState), DeviceState.Open)]
        public sealed class Device : IDisposable
        {
            [RequiresState(DeviceState.Open)]
            [TransitionsTo(DeviceState.Bound)]
            public void Bind(object iommufd) { }

            [RequiresState(DeviceState.Bound, MissingStep = "Device.Bind")]
            [TransitionsTo(DeviceState.Attached)]
            public void Attach(object ioas) { }

            [RequiresState(DeviceState.Attached, MissingStep = "Device.Attach")]
            public void Map(ulong iova) { }

            [TransitionsTo(DeviceState.Released)]
            public void Dispose() { }
        }

        """;

    [Fact]
    public Task A_device_fd_before_the_group_is_in_a_container_is_reported()
        => Verify.VerifyAsync(
            Declarations + """
            static class Driver
            {
                public static Device Open(object container)
                {
                    var group = Group.Open(5);
                    var device = {|#0:group.OpenDevice("0000:00:01.0")|};
                    return device;
                }
            }
            """,
            Verify.Diagnostic(0, "Group.OpenDevice", "group", "InContainer", "Open", "; call Group.SetContainer first"));

    [Fact]
    public Task Attach_before_bind_is_reported()
        => Verify.VerifyAsync(
            Declarations + """
            static class Driver
            {
                public static void Open(object ioas)
                {
                    using var device = new Device();
                    {|#0:device.Attach(ioas)|};
                }
            }
            """,
            Verify.Diagnostic(0, "Device.Attach", "device", "Bound", "Open", "; call Device.Bind first"));

    [Fact]
    public Task Use_after_release_is_reported_for_methods_and_properties()
        => Verify.VerifyAsync(
            Declarations + """
            static class Driver
            {
                public static int Close(object container)
                {
                    var group = new Group();
                    group.Dispose();
                    {|#0:group.SetContainer(container)|};
                    return 0;
                }

                public static int Number()
                {
                    using var group = Group.Open(5);
                    group.Dispose();
                    return {|#1:group.Number|};
                }
            }
            """,
            Verify.Diagnostic(0, "Group.SetContainer", "group", "Open", "Released", "; call Vfio.OpenGroup first"),
            Verify.Diagnostic(1, "Group.Number", "group", "Open or InContainer", "Released", string.Empty));

    [Fact]
    public Task A_map_on_a_path_that_skipped_attach_is_reported_once()
        => Verify.VerifyAsync(
            Declarations + """
            static class Driver
            {
                // The second call is not reported: the first one throws, and nothing is known after it.
                public static void Open(object iommufd, bool quick)
                {
                    var device = new Device();
                    device.Bind(iommufd);
                    {|#0:device.Map(0x1000)|};
                    device.Map(0x2000);
                }
            }
            """,
            Verify.Diagnostic(0, "Device.Map", "device", "Attached", "Bound", "; call Device.Attach first"));

    [Fact]
    public Task The_right_order_is_silent()
        => Verify.VerifyAsync(
            Declarations + """
            static class Driver
            {
                public static void Open(object container, object iommufd, object ioas)
                {
                    using var group = Group.Open(5);
                    group.SetContainer(container);
                    using var fromGroup = group.OpenDevice("0000:00:01.0");
                    _ = group.Number;

                    using var device = new Device();
                    device.Bind(iommufd);
                    device.Attach(ioas);
                    device.Map(0x1000);
                }
            }
            """);
}
