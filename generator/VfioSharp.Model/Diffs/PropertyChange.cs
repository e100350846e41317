namespace VfioSharp.Model.Diffs
{
    /// <summary>
    /// One property of an element that differs between the old and the new model, with both values as
    /// the model spells them (numbers in decimal, requests in hex, enum values camelCase, null for none).
    /// </summary>
    /// <param name="Property">The model property, as MODEL.md names it (<c>size</c>, <c>offset</c>, <c>request</c>, <c>doc</c>).</param>
    /// <param name="OldValue">The value in the old model, or null.</param>
    /// <param name="NewValue">The value in the new model, or null.</param>
    /// <param name="AbiRelevant">
    /// Whether code built against the old definition may now see different bytes or numbers: a layout
    /// property, a value, a request number, or how an ioctl is called.
    /// </param>
    public sealed record PropertyChange(string Property, string? OldValue, string? NewValue, bool AbiRelevant)
    {
        /// <summary>The name of the documentation property, whose change is reported only on request.</summary>
        public const string DocProperty = "doc";

        /// <summary><c>size 16 -> 24</c>; a doc change is summarized (<c>doc changed</c>), not quoted.</summary>
        public override string ToString()
        {
            if (Property == DocProperty)
            {
                return OldValue is null ? "doc added" : NewValue is null ? "doc removed" : "doc changed";
            }

            return Property + " " + (OldValue ?? "none") + " -> " + (NewValue ?? "none");
        }
    }
}
