namespace VfioSharp;

/// <summary>
/// Marks an integer that holds a file descriptor. The generator puts it on the fields of uapi records that
/// hold fds; analyzer VFIO003 then reports such a field left at 0, which is a valid descriptor (stdin), where
/// -1 or a real descriptor was meant.
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property | AttributeTargets.Parameter | AttributeTargets.ReturnValue, Inherited = false)]
public sealed class FileDescriptorAttribute : Attribute
{
}
