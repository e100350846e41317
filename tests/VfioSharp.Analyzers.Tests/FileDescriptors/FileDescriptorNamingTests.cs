using VfioSharp.Analyzers.FileDescriptors;

namespace VfioSharp.Analyzers.Tests.FileDescriptors;

/// <summary>Which int member names the rule takes for fds without the attribute.</summary>
public class FileDescriptorNamingTests
{
    [Theory]
    [InlineData("fd")]
    [InlineData("FD")]
    [InlineData("Fd")]
    [InlineData("_fd")]
    [InlineData("m_fd")]
    [InlineData("_Fd")]
    [InlineData("groupFd")]
    [InlineData("GroupFd")]
    [InlineData("_deviceFd")]
    [InlineData("vfio_group_fd")]
    [InlineData("GROUP_FD")]
    [InlineData("containerFD")]
    public void Looks_like_an_fd(string name) => Assert.True(FileDescriptorMembers.IsNamedLikeFileDescriptor(name));

    [Theory]
    [InlineData("fdCount")]
    [InlineData("fds")]
    [InlineData("Fds")]
    [InlineData("kfd")]
    [InlineData("iommufd")]
    [InlineData("fdt")]
    [InlineData("f")]
    [InlineData("s_fdCount")]
    public void Does_not_look_like_an_fd(string name) => Assert.False(FileDescriptorMembers.IsNamedLikeFileDescriptor(name));
}
