namespace VfioSharp.Analyzers.Ioctls;

/// <summary>The diagnostic properties through which VFIO004 tells its code fix which typed call to write.</summary>
internal static class IoctlMismatchFix
{
    /// <summary>The typed call's name (<c>TryVFIO_DEVICE_GET_INFO</c>); absent when no typed call fits.</summary>
    public const string MethodKey = "Method";

    /// <summary>The handle expression, as written.</summary>
    public const string HandleKey = "Handle";

    /// <summary>The argument list after the handle (<c>ref info</c>, <c>containerFd</c>, or empty).</summary>
    public const string ArgumentsKey = "Arguments";

    /// <summary>The namespace of the typed calls' class, to import when it is not.</summary>
    public const string NamespaceKey = "Namespace";
}
