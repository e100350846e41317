namespace EduDriver;

/// <summary>One thing the driver verified, with what it saw.</summary>
/// <param name="Name">What was checked.</param>
/// <param name="Passed">Whether it held.</param>
/// <param name="Detail">What was seen.</param>
internal sealed record EduCheck(string Name, bool Passed, string Detail);
