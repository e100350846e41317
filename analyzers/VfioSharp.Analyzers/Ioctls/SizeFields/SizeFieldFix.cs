namespace VfioSharp.Analyzers.Ioctls.SizeFields;

/// <summary>The diagnostic properties through which VFIO005 tells its code fix what to insert before the call.</summary>
internal static class SizeFieldFix
{
    /// <summary>The size field to store to, as an expression (<c>info.argsz</c>, <c>p-&gt;argsz</c>); absent when no fix is safe.</summary>
    public const string TargetKey = "Target";

    /// <summary>The record type whose size is stored, as written at the call.</summary>
    public const string RecordTypeKey = "RecordType";

    /// <summary>The size field's type (<c>uint</c>).</summary>
    public const string FieldTypeKey = "FieldType";
}
