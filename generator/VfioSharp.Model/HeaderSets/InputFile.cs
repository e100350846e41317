namespace VfioSharp.Model.HeaderSets
{
    /// <summary>A file the parse read: its path relative to the include root and its SHA-256 (lowercase hex).</summary>
    public sealed record InputFile(string Path, string Sha256);
}
