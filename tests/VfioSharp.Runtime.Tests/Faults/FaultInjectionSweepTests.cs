using VfioSharp.Kernel;
using VfioSharp.Runtime.Tests.Infrastructure;
using VfioSharp.Lifecycle;
using VfioSharp.Runtime.Tests.Scenarios;
using VfioSharp.Simulation.Core;

namespace VfioSharp.Runtime.Tests.Faults;

/// <summary>
/// Every kernel call of setup and teardown fails in turn, in every mode: the injection points are counted from
/// a recorded successful run. Afterwards nothing is left (no fd, memory mapping, IOMMU mapping or pinned page),
/// and a failure is a <see cref="VfioException"/> that names the step.
/// </summary>
public sealed class FaultInjectionSweepTests
{
    [Theory]
    [MemberData(nameof(SimulatedMachines.Modes), MemberType = typeof(SimulatedMachines))]
    public void Every_failing_call_leaves_nothing_behind_and_names_its_step(string variant)
    {
        var points = RecordedCalls(variant);
        Assert.True(points.Count > 20, $"a setup and teardown takes more than 20 kernel calls; recorded {points.Count}");
        for (var failAt = 0; failAt < points.Count; failAt++)
        {
            var failure = RunWithFault(variant, failAt, out var kernel, out var failed);
            var context = $"{variant}: call {failAt} ({failed}) failing";
            if (failure is not null)
            {
                var named = Assert.IsType<VfioException>(failure);
                Assert.False(string.IsNullOrWhiteSpace(named.Step), context);
                if (failed!.StartsWith("open ", StringComparison.Ordinal))
                {
                    Assert.Contains(failed["open ".Length..failed.IndexOf(" (", StringComparison.Ordinal)], failure.Message, StringComparison.Ordinal);
                }
            }

            try
            {
                SimulatedMachines.AssertNothingLeft(kernel);
            }
            catch (Exception leak)
            {
                throw new Xunit.Sdk.XunitException($"{context} left something behind: {leak.Message}");
            }
        }
    }

    [Fact]
    public void The_sweep_catches_a_planted_leak()
    {
        // A runtime that forgot to close on one error path looks, to the kernel, like a close that never came:
        // swallow the closes after the fault and the sweep's check must fail.
        var (kernel, edu, options) = SimulatedMachines.Build("Group/DebianStock");
        using (SimulatedMachines.Hold(edu))
        {
            var leaking = new LeakingKernel(kernel);
            try
            {
                SetupTeardownScenario.Run(leaking, options);
            }
            catch (VfioException)
            {
            }

            Assert.ThrowsAny<Exception>(() => SimulatedMachines.AssertNothingLeft(kernel));
        }
    }

    private static IReadOnlyList<string> RecordedCalls(string variant)
    {
        var (kernel, edu, options) = SimulatedMachines.Build(variant);
        using (SimulatedMachines.Hold(edu))
        {
            var recording = new FaultInjectingKernel(kernel);
            SetupTeardownScenario.Run(recording, options);
            SimulatedMachines.AssertNothingLeft(kernel);
            return recording.Calls;
        }
    }

    private static Exception? RunWithFault(string variant, int failAt, out SimulatedKernel kernel, out string? failed)
    {
        var (simulated, edu, options) = SimulatedMachines.Build(variant);
        kernel = simulated;
        using (SimulatedMachines.Hold(edu))
        {
            var injecting = new FaultInjectingKernel(simulated) { FailAt = failAt };
            try
            {
                SetupTeardownScenario.Run(injecting, options);
                failed = injecting.Failed;
                return null;
            }
            catch (Exception exception) when (exception is VfioException or InvalidStateException or IOException or InvalidOperationException)
            {
                failed = injecting.Failed;
                return exception;
            }
        }
    }

    /// <summary>Drops every close after the first 2: a stand-in for a runtime that leaks an fd.</summary>
    private sealed class LeakingKernel(IKernel inner) : ForwardingKernel(inner)
    {
        private int _closes;

        public override int Close(int fd) => ++_closes > 2 ? 0 : base.Close(fd);
    }
}
