namespace VfioSharp.Tool;

/// <summary>
/// What the tool reads from its process environment, as values: tests hand in their own instead of changing the
/// test host's variables.
/// </summary>
/// <param name="LibClangVariable">The value of <c>VFIOSHARP_LIBCLANG</c>, or null.</param>
/// <param name="NuGetPackagesVariable">The value of <c>NUGET_PACKAGES</c> (NuGet's global packages folder), or null.</param>
/// <param name="Home">The user's home folder, where NuGet's default global packages folder is (<c>~/.nuget/packages</c>).</param>
internal sealed record ToolEnvironment(string? LibClangVariable, string? NuGetPackagesVariable, string Home)
{
    public static ToolEnvironment FromProcess() => new(
        Environment.GetEnvironmentVariable(Models.LibClangLocation.Variable),
        Environment.GetEnvironmentVariable("NUGET_PACKAGES"),
        Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));
}
