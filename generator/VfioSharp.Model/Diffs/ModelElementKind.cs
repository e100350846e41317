namespace VfioSharp.Model.Diffs
{
    /// <summary>
    /// The kind of model element a change is about, in the order a diff lists them: records, their
    /// fields, enums, enum constants, macros, ioctls.
    /// </summary>
    public enum ModelElementKind
    {
        /// <summary>A struct (a <see cref="Records.RecordModel"/>).</summary>
        Struct,

        /// <summary>A union (a <see cref="Records.RecordModel"/>).</summary>
        Union,

        /// <summary>A field of a record both models have, named <c>record.field</c>.</summary>
        Field,

        /// <summary>A named enum (anonymous enums have no identity of their own: their constants do).</summary>
        Enum,

        /// <summary>An enumerator, named or anonymous enum alike: C gives it a name of its own.</summary>
        EnumConstant,

        /// <summary>An integer or string macro.</summary>
        Macro,

        /// <summary>An ioctl request macro.</summary>
        Ioctl,
    }
}
