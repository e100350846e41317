namespace VfioSharp.Model.Records
{
    /// <summary>What a field's element type is, once typedefs are looked through.</summary>
    public enum TypeCategory
    {
        /// <summary>A signed or unsigned integer (see <see cref="FieldModel.Signed"/>).</summary>
        Integer,

        /// <summary><c>_Bool</c>.</summary>
        Bool,

        /// <summary><c>float</c> or <c>double</c>.</summary>
        Float,

        /// <summary>Any pointer.</summary>
        Pointer,

        /// <summary>A struct or union (see <see cref="FieldModel.Record"/>).</summary>
        Record,

        /// <summary>An enum (see <see cref="FieldModel.Enum"/>); its storage is the enum's integer type.</summary>
        Enum,
    }
}
