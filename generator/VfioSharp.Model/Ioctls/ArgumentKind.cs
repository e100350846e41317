namespace VfioSharp.Model.Ioctls
{
    /// <summary>What an ioctl's argument is.</summary>
    public enum ArgumentKind
    {
        /// <summary>No argument.</summary>
        None,

        /// <summary>A struct or union (see <see cref="IoctlModel.Argument"/>).</summary>
        Record,

        /// <summary>A scalar type as the header spells it (<c>__u32</c>, <c>__s32</c>, <c>char</c>).</summary>
        Scalar,

        /// <summary>Could not be determined: neither the table, nor the encoding, nor the kerneldoc says.</summary>
        Undetermined,
    }
}
