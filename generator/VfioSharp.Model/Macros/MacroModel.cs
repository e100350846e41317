namespace VfioSharp.Model.Macros
{
    /// <summary>An object-like macro evaluated as C evaluates it, type and signedness included.</summary>
    public sealed record MacroModel
    {
        /// <summary>The macro's name.</summary>
        public required string Name { get; init; }

        /// <summary>Integer or string.</summary>
        public required MacroKind Kind { get; init; }

        /// <summary>
        /// The C type of the expansion: <c>int</c>, <c>unsigned int</c>, <c>long</c>, <c>unsigned long</c>,
        /// <c>long long</c>, <c>unsigned long long</c>; for strings <c>char[N]</c> (N counts the NUL).
        /// </summary>
        public required string Type { get; init; }

        /// <summary>Whether an integer macro's type is signed.</summary>
        public bool Signed { get; init; }

        /// <summary>For an integer: the value's bits as a signed 64-bit integer (the JSON spells unsigned values unsigned).</summary>
        public long IntegerValue { get; init; }

        /// <summary>For a string: its value; otherwise null.</summary>
        public string? StringValue { get; init; }

        /// <summary>Where the macro is defined.</summary>
        public required SourceLocation Location { get; init; }

        /// <summary>Kerneldoc text, or null.</summary>
        public string? Doc { get; init; }
    }
}
