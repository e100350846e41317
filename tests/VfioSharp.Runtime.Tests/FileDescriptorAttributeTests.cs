namespace VfioSharp.Runtime.Tests;

/// <summary>Analyzer VFIO003 finds the attribute by its metadata name: that name is a contract.</summary>
public sealed class FileDescriptorAttributeTests
{
    [Fact]
    public void The_attribute_has_the_name_the_analyzer_looks_for_and_fits_fd_holders()
    {
        Assert.Equal("VfioSharp.FileDescriptorAttribute", typeof(FileDescriptorAttribute).FullName);

        var usage = (AttributeUsageAttribute)Attribute.GetCustomAttribute(typeof(FileDescriptorAttribute), typeof(AttributeUsageAttribute))!;
        Assert.Equal(
            AttributeTargets.Field | AttributeTargets.Property | AttributeTargets.Parameter | AttributeTargets.ReturnValue,
            usage.ValidOn);
    }
}
