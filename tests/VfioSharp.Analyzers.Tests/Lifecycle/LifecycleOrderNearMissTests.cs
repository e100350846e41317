using Verify = VfioSharp.Analyzers.Tests.Ioctls.IoctlRuleVerifier<VfioSharp.Analyzers.Lifecycle.LifecycleOrderAnalyzer>;

namespace VfioSharp.Analyzers.Tests.Lifecycle;

/// <summary>VFIO006 reports only what no path allows: whatever could have changed the object unseen makes it unknown.</summary>
public sealed class LifecycleOrderNearMissTests
{
    private const string Declarations = LifecycleOrderTests.Declarations;

    [Fact]
    public Task A_step_taken_on_some_paths_is_not_reported()
        => Verify.VerifyAsync(
            Declarations + """
            static class Driver
            {
                public static void Open(object container, bool join)
                {
                    var group = Group.Open(5);
                    if (join)
                    {
                        group.SetContainer(container);
                    }

                    group.OpenDevice("0000:00:01.0");
                }
            }
            """);

    [Fact]
    public Task An_object_passed_to_a_call_copied_or_captured_is_unknown_afterwards()
        => Verify.VerifyAsync(
            Declarations + """
            static class Driver
            {
                static void Join(Group group, object container) => group.SetContainer(container);

                public static void Passed(object container)
                {
                    var group = Group.Open(5);
                    Join(group, container);
                    group.OpenDevice("0000:00:01.0");
                }

                public static void Copied(object container)
                {
                    var group = Group.Open(5);
                    var alias = group;
                    alias.SetContainer(container);
                    group.OpenDevice("0000:00:01.0");
                }

                public static void Captured(object container)
                {
                    var group = Group.Open(5);
                    Action join = () => group.SetContainer(container);
                    join();
                    group.OpenDevice("0000:00:01.0");
                }
            }
            """);

    [Fact]
    public Task Objects_from_factories_without_a_declaration_and_parameters_are_unknown()
        => Verify.VerifyAsync(
            Declarations + """
            static class Driver
            {
                public static void Open(Group given)
                {
                    given.OpenDevice("a");
                    var adopted = Group.Adopt(7);
                    adopted.OpenDevice("b");
                }
            }
            """);

    [Fact]
    public Task Another_instance_in_the_right_state_is_not_confused_with_this_one()
        => Verify.VerifyAsync(
            Declarations + """
            static class Driver
            {
                public static void Open(object container)
                {
                    var first = Group.Open(5);
                    var second = Group.Open(6);
                    first.SetContainer(container);
                    first.OpenDevice("a");
                    {|#0:second.OpenDevice("b")|};
                }
            }
            """,
            Verify.Diagnostic(0));

    [Fact]
    public Task A_loop_that_releases_at_its_end_is_not_reported_at_its_start()
        => Verify.VerifyAsync(
            Declarations + """
            static class Driver
            {
                public static void Open(object container, int count)
                {
                    var group = Group.Open(5);
                    group.SetContainer(container);
                    for (var i = 0; i < count; i++)
                    {
                        group.OpenDevice("a");
                        if (i == count - 1)
                        {
                            group.Dispose();
                        }
                    }
                }
            }
            """);

    [Fact]
    public Task Without_the_runtime_the_rule_does_nothing()
        => Verify.VerifyWithoutRuntimeAsync("""
            sealed class Group { public void OpenDevice() { } }
            static class Driver { public static void Open() => new Group().OpenDevice(); }
            """);

    [Fact]
    public Task Code_that_does_not_compile_gets_no_internal_error()
        => Verify.VerifyBrokenAsync(
            Declarations + """
            static class Driver
            {
                public static void Open(object container)
                {
                    var group = Group.Open(;
                    group.SetContainer(container, 1);
                    var unknown = new Missing();
                    unknown.OpenDevice("a");
                    group.
                }
            }
            """);
}
