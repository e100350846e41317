using VfioSharp.Kernel;
using VfioSharp.Simulation.Core;
using VfioSharp.Simulation.Tests.Groups;

namespace VfioSharp.Simulation.Tests.MisuseTable;

/// <summary>
/// The group-mode rows replayed on the other profiles the simulated kernel claims: the same errno as on 6.17,
/// except where a row's <c>Versions:</c> note says that version answers differently.
/// </summary>
public sealed class MisuseTableVersionTests
{
    /// <summary>The answers the table's notes give for versions other than 6.17.</summary>
    private static readonly Dictionary<(string Id, SimulatedKernelProfile Profile), string> Differences = new()
    {
        [("container-set-iommu-nesting", SimulatedKernelProfile.Linux61)] = "EINVAL",
        [("group-set-container-not-a-container", SimulatedKernelProfile.Linux61)] = "EINVAL",
        [("container-map-iova-wrap", SimulatedKernelProfile.Linux7)] = "EOVERFLOW",
        [("container-unmap-wrap", SimulatedKernelProfile.Linux7)] = "EOVERFLOW",
    };

    /// <summary>Rows whose scenario needs what a profile lacks: /dev/iommu and cdevs, or VFIO_NOIOMMU.</summary>
    private static readonly HashSet<string> NeedIommufd = new(StringComparer.Ordinal) { "group-open-while-cdev-bound", "group-set-container-twice", "any-open-without-permission" };

    private static readonly HashSet<string> NeedNoIommu = new(StringComparer.Ordinal)
    {
        "container-set-iommu-type1-on-noiommu-group", "container-noiommu-map", "group-open-noiommu-without-rawio", "group-set-container-mix-noiommu",
    };

    public static TheoryData<string, SimulatedKernelProfile, string> Rows()
    {
        var rows = new TheoryData<string, SimulatedKernelProfile, string>();
        SimulatedKernelProfile[] profiles = [SimulatedKernelProfile.Linux61, SimulatedKernelProfile.DebianStock, SimulatedKernelProfile.Linux7];
        foreach (var row in MisuseTableRow.All.Where(row => GroupContainerMisuseScenarios.All.ContainsKey(row.Id)))
        {
            foreach (var profile in profiles)
            {
                var hasIommufd = profile == SimulatedKernelProfile.Linux7;
                var hasNoIommu = profile != SimulatedKernelProfile.DebianStock;
                if ((!hasIommufd && NeedIommufd.Contains(row.Id)) || (!hasNoIommu && NeedNoIommu.Contains(row.Id)))
                {
                    continue;
                }

                rows.Add(row.Id, profile, Differences.GetValueOrDefault((row.Id, profile), row.Errno));
            }
        }

        return rows;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void The_row_answers_as_its_version_does(string id, SimulatedKernelProfile profile, string errno)
    {
        var expected = errno == "0" ? 0 : -Enumerable.Range(1, 133).First(number => new Errno(number).Name == errno);
        Assert.Equal(expected, GroupMachine.WithProfile(profile, GroupContainerMisuseScenarios.All[id]));
    }

    [Fact]
    public void Every_difference_names_a_row_with_a_scenario()
        => Assert.All(Differences.Keys, key => Assert.Contains(key.Id, GroupContainerMisuseScenarios.All.Keys));
}
