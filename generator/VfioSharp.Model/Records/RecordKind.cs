namespace VfioSharp.Model.Records
{
    /// <summary>Whether a record is a C struct or a C union.</summary>
    public enum RecordKind
    {
        /// <summary>A <c>struct</c>: members follow each other.</summary>
        Struct,

        /// <summary>A <c>union</c>: every member starts at offset 0.</summary>
        Union,
    }
}
