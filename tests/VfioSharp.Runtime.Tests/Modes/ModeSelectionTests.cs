using VfioSharp.Modes;
using VfioSharp.Runtime.Tests.Infrastructure;
using VfioSharp.Simulation.Core;

namespace VfioSharp.Runtime.Tests.Modes;

/// <summary>
/// The runtime learns what the kernel offers from paths and the container's answers, and chooses its mode as
/// DPDK does after its cdev series; no-IOMMU is never chosen silently.
/// </summary>
public sealed class ModeSelectionTests
{
    [Theory]
    [MemberData(nameof(SimulatedMachine.Variants), MemberType = typeof(SimulatedMachine))]
    public void The_mode_asked_for_is_the_mode_in_use(string variant)
    {
        using var machine = SimulatedMachine.Build(variant);
        using var vfio = machine.Open();

        Assert.Equal(machine.Mode, vfio.Mode);
        Assert.Equal(machine.Mode, vfio.DefaultContainer.Mode);
    }

    [Theory]
    [InlineData(SimulatedKernelProfile.DebianStock)]
    [InlineData(SimulatedKernelProfile.Linux61)]
    public void Kernels_without_iommufd_are_detected_and_get_group_mode(SimulatedKernelProfile profile)
    {
        var kernel = KernelWithEdu(new SimulatedKernelOptions { Profile = profile });
        using var vfio = Vfio.Open(kernel);

        Assert.Equal(VfioMode.Group, vfio.Mode);
        Assert.False(vfio.Features.Iommufd);
        Assert.False(vfio.Features.DeviceCdevs);
        Assert.True(vfio.Features.Container);
        Assert.Equal(0, vfio.Features.ApiVersion);
        Assert.True(vfio.Features.Type1v2);
        Assert.True(vfio.Features.Type1);
        Assert.False(vfio.Features.NoIommuExtension);
    }

    [Fact]
    public void A_kernel_with_iommufd_and_cdevs_gets_cdev_mode()
    {
        var kernel = KernelWithEdu(new SimulatedKernelOptions { Profile = SimulatedKernelProfile.Linux617 });
        using var vfio = Vfio.Open(kernel);

        Assert.Equal(VfioMode.Cdev, vfio.Mode);
        Assert.True(vfio.Features.Iommufd);
        Assert.True(vfio.Features.DeviceCdevs);
        Assert.True(vfio.Features.Type1v2);
    }

    [Theory]
    [InlineData(SimulatedKernelProfile.Linux617, VfioMode.NoIommuGroup)]
    [InlineData(SimulatedKernelProfile.Linux7, VfioMode.NoIommuCdev)]
    public void Without_an_IOMMU_the_no_IOMMU_mode_is_chosen_only_with_the_opt_in(SimulatedKernelProfile profile, VfioMode expected)
    {
        var kernel = KernelWithEdu(new SimulatedKernelOptions { Profile = profile, Iommu = false, EnableUnsafeNoIommuMode = true });

        var refused = Assert.Throws<VfioException>(() => Vfio.Open(kernel));
        Assert.Contains("AllowNoIommu", refused.Message, StringComparison.Ordinal);
        Assert.Empty(kernel.OpenDescriptors);

        using var vfio = Vfio.Open(kernel, new VfioOptions { AllowNoIommu = true });
        Assert.Equal(expected, vfio.Mode);
        Assert.True(vfio.Features.NoIommuEnabled);
        Assert.True(vfio.Features.NoIommuExtension);
    }

    [Fact]
    public void An_IOMMU_machine_never_falls_back_to_no_IOMMU_even_when_allowed()
    {
        var kernel = KernelWithEdu(new SimulatedKernelOptions { Profile = SimulatedKernelProfile.Linux61, EnableUnsafeNoIommuMode = true });
        using var vfio = Vfio.Open(kernel, new VfioOptions { AllowNoIommu = true });

        Assert.Equal(VfioMode.Group, vfio.Mode);
    }

    [Theory]
    [InlineData(VfioMode.NoIommuGroup)]
    [InlineData(VfioMode.NoIommuCdev)]
    public void Asking_for_no_IOMMU_without_the_opt_in_is_refused(VfioMode mode)
    {
        var kernel = KernelWithEdu(new SimulatedKernelOptions { Iommu = false, EnableUnsafeNoIommuMode = true });

        var refused = Assert.Throws<VfioException>(() => Vfio.Open(kernel, new VfioOptions { Mode = mode }));
        Assert.Contains("AllowNoIommu", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SimulatedKernelProfile.Linux7, VfioMode.NoIommuGroup)]
    [InlineData(SimulatedKernelProfile.Linux7, VfioMode.NoIommuCdev)]
    [InlineData(SimulatedKernelProfile.DebianStock, VfioMode.NoIommuGroup)]
    public void No_IOMMU_with_the_parameter_off_names_the_parameter(SimulatedKernelProfile profile, VfioMode mode)
    {
        var kernel = KernelWithEdu(new SimulatedKernelOptions { Profile = profile, Iommu = false, EnableUnsafeNoIommuMode = false });

        var refused = Assert.Throws<VfioException>(() => Vfio.Open(kernel, new VfioOptions { Mode = mode, AllowNoIommu = true }));
        Assert.Contains("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode", refused.Message, StringComparison.Ordinal);
        Assert.Empty(kernel.OpenDescriptors);
    }

    [Fact]
    public void Choosing_with_nothing_bound_and_the_parameter_off_names_the_parameter()
    {
        var kernel = new SimulatedKernel(new SimulatedKernelOptions { Iommu = false });

        var refused = Assert.Throws<VfioException>(() => Vfio.Open(kernel, new VfioOptions { AllowNoIommu = true }));
        Assert.Contains("enable_unsafe_noiommu_mode", refused.Message, StringComparison.Ordinal);
        Assert.Contains("it is N", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SimulatedKernelProfile.DebianStock)]
    [InlineData(SimulatedKernelProfile.Linux61)]
    public void Cdev_mode_on_a_kernel_without_iommufd_says_what_is_missing(SimulatedKernelProfile profile)
    {
        var kernel = KernelWithEdu(new SimulatedKernelOptions { Profile = profile });

        var refused = Assert.Throws<VfioException>(() => Vfio.Open(kernel, new VfioOptions { Mode = VfioMode.Cdev }));
        Assert.Contains("/dev/iommu", refused.Message, StringComparison.Ordinal);
        Assert.Contains("CONFIG_IOMMUFD", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(VfioMode.None)]
    [InlineData((VfioMode)42)]
    public void A_mode_that_reaches_no_device_is_refused(VfioMode mode)
    {
        var kernel = KernelWithEdu(new SimulatedKernelOptions());

        Assert.Throws<VfioException>(() => Vfio.Open(kernel, new VfioOptions { Mode = mode }));
    }

    [Fact]
    public void Detection_closes_the_container_it_asked()
    {
        var kernel = KernelWithEdu(new SimulatedKernelOptions { Profile = SimulatedKernelProfile.Linux61 });
        using (Vfio.Open(kernel))
        {
            Assert.Empty(kernel.OpenDescriptors);
        }
    }

    private static SimulatedKernel KernelWithEdu(SimulatedKernelOptions options)
    {
        var kernel = new SimulatedKernel(options);
        kernel.AddPciDevice(SimulatedMachine.NewEdu(!options.Iommu), SimulatedMachine.Edu.ToString(), iommuGroup: 5);
        return kernel;
    }
}
