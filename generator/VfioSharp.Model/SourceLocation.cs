namespace VfioSharp.Model
{
    /// <summary>A place in a header: the path relative to the include root and a 1-based line.</summary>
    public readonly record struct SourceLocation(string File, int Line)
    {
        /// <summary>The <c>header:line</c> form used in the model and in every diagnostic.</summary>
        public override string ToString() => Line > 0 ? File + ":" + Line.ToString(System.Globalization.CultureInfo.InvariantCulture) : File;

        /// <summary>Parses the <c>header:line</c> form.</summary>
        public static SourceLocation Parse(string text)
        {
            var colon = text.LastIndexOf(':');
            if (colon > 0 && int.TryParse(text.Substring(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var line))
            {
                return new SourceLocation(text.Substring(0, colon), line);
            }

            return new SourceLocation(text, 0);
        }
    }
}
