namespace VfioSharp.Model.Macros
{
    /// <summary>What a macro evaluates to.</summary>
    public enum MacroKind
    {
        /// <summary>An integer constant expression.</summary>
        Integer,

        /// <summary>A string literal.</summary>
        String,
    }
}
