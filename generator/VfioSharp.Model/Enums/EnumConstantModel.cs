namespace VfioSharp.Model.Enums
{
    /// <summary>
    /// One enumerator. <see cref="Value"/> holds the value as a signed 64-bit integer; for an unsigned
    /// enum read it as <c>unchecked((ulong)Value)</c> (the JSON spells it as the unsigned number).
    /// </summary>
    public sealed record EnumConstantModel
    {
        /// <summary>The C name.</summary>
        public required string Name { get; init; }

        /// <summary>The value's bits as a signed 64-bit integer.</summary>
        public required long Value { get; init; }

        /// <summary>Where the enumerator is declared.</summary>
        public required SourceLocation Location { get; init; }

        /// <summary>Kerneldoc text, or null.</summary>
        public string? Doc { get; init; }
    }
}
