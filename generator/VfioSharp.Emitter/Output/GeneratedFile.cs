namespace VfioSharp.Emitter.Output
{
    /// <summary>One generated C# file: the hint name Roslyn keys it by, and its text.</summary>
    public sealed class GeneratedFile
    {
        /// <summary>Creates a file.</summary>
        public GeneratedFile(string hintName, string text)
        {
            HintName = hintName;
            Text = text;
        }

        /// <summary>A file name unique within one generation (<c>Prefix.Records.g.cs</c>).</summary>
        public string HintName { get; }

        /// <summary>The C# text, starting with <c>// &lt;auto-generated/&gt;</c>.</summary>
        public string Text { get; }
    }
}
