namespace VfioSharp.Model.Diffs
{
    /// <summary>What happened to an element of the model between two header versions.</summary>
    public enum ChangeKind
    {
        /// <summary>Only the new model has it (printed <c>+</c>).</summary>
        Added,

        /// <summary>Only the old model has it (printed <c>-</c>).</summary>
        Removed,

        /// <summary>Both have it, with different properties (printed <c>~</c>).</summary>
        Changed,
    }
}
