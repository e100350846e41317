namespace VfioSharp.Analyzers.FileDescriptors;

/// <summary>The diagnostic properties through which VFIO003 tells its code fix what to edit.</summary>
internal static class FileDescriptorFix
{
    /// <summary>Property naming the kind of fix; absent when no fix is safe.</summary>
    public const string Key = "Fix";

    /// <summary>Property holding the member to add to an object initializer.</summary>
    public const string MemberKey = "Member";

    /// <summary>Add <c>= -1</c> to the field or auto-property at the diagnostic's location.</summary>
    public const string DeclarationInitializer = "DeclarationInitializer";

    /// <summary>Add <c>Member = -1</c> to the creation expression at the first additional location.</summary>
    public const string ObjectInitializer = "ObjectInitializer";
}
