namespace VfioSharp.Model.Ioctls
{
    /// <summary>What a successful call returns.</summary>
    public enum IoctlReturn
    {
        /// <summary>0.</summary>
        Status,

        /// <summary>A meaningful non-negative number (an API version, an extension's presence).</summary>
        Value,

        /// <summary>A new file descriptor (see <see cref="IoctlModel.ReturnedFdKind"/>).</summary>
        Fd,
    }
}
